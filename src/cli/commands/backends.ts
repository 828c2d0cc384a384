// `lmx backends`: which backend auto takes here, and each backend tried in turn.

import * as l10n from '@vscode/l10n';
import { describeBackendReport, describeBackends, formatBackendTable, initBackend } from '../../engine/backends';
import { EXIT_OK, type Command } from '../command';
import { stdout } from '../terminal';

export const backends: Command = {
  summary: l10n.t('which TensorFlow.js backends load here, and why the others do not'),
  usage: 'lmx backends',
  positionals: 'none',
  options: {},
  help: l10n.t('Shows which backend "auto" picks and why it passed the others over, then tries each backend in turn.'),
  async run() {
    const report = await initBackend('auto');
    stdout(l10n.t('auto picks: {0}', report.name));
    for (const line of describeBackendReport(report)) stdout(`  ${line}`);
    stdout('');
    stdout(formatBackendTable(await describeBackends()));
    return EXIT_OK;
  },
};
