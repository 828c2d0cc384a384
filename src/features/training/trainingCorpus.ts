// The corpus step of a training run: the workspace's files as the settings pick them, what the dashboard
// shows of them, the problem to tell the user when nothing can be trained on, and the log of what was taken.

import * as vscode from 'vscode';
import { readConfig } from '../../config';
import { formatNumber, plural } from '../../l10n/format';
import { describeSkips, formatBytes, SKIP_REASON_TEXT } from './core/corpusFilter';
import type { TrainOverrides } from './core/trainParams';
import type { CorpusView } from './protocol';
import { collectWorkspaceCorpus, type CollectedCorpus } from './workspaceCorpus';

/** What the corpus step found; also what the API's collectCorpus returns. */

/** The setting a message names (an identifier: the same in every language). */
const INCLUDE_SETTING = 'lmExplorer.training.include';

export interface CorpusReport {
  view: CorpusView;
  corpus: CollectedCorpus;
  /** The message the user was (or would be) shown when the corpus cannot be trained on. */
  problem?: { status: 'no-files' | 'no-usable-files'; message: string };
}

/** Collects the corpus from folders (default: the workspace folders) with the current settings, and logs what it took and skipped. */
export async function collectCorpus(
  output: vscode.LogOutputChannel,
  roots?: vscode.Uri[],
  overrides: Partial<TrainOverrides> = {},
  token?: vscode.CancellationToken,
): Promise<CorpusReport> {
  const t = { ...readConfig().training, ...pick(overrides, ['include', 'exclude', 'maxFileBytes', 'maxCorpusBytes']) };
  const folders = roots ?? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
  const corpus = await collectWorkspaceCorpus({
    roots: folders,
    include: t.include,
    exclude: t.exclude,
    maxFileBytes: t.maxFileBytes,
    maxCorpusBytes: t.maxCorpusBytes,
    ...(token ? { token } : {}),
  });
  const view: CorpusView = {
    files: corpus.files.length,
    bytes: corpus.bytes,
    skipped: corpus.skipped.length,
    skippedSummary: describeSkips(corpus.skipped),
    include: corpus.include,
  };
  logCorpus(output, corpus);
  let problem: CorpusReport['problem'];
  if (corpus.matched === 0) {
    problem = {
      status: 'no-files',
      message:
        folders.length === 1
          ? vscode.l10n.t('No files in this folder match {0} ({1}) — nothing to train on.', INCLUDE_SETTING, t.include)
          : vscode.l10n.t('No files in the workspace folders match {0} ({1}) — nothing to train on.', INCLUDE_SETTING, t.include),
    };
  } else if (corpus.files.length === 0) {
    problem = {
      status: 'no-usable-files',
      message: plural(
        corpus.matched,
        vscode.l10n.t(
          'The {0} file matching {1} cannot be used: {2}. The list is in Output › LM Explorer.|None of the {0} files matching {1} can be used: {2}. The list is in Output › LM Explorer.',
          formatNumber(corpus.matched),
          t.include,
          view.skippedSummary,
        ),
      ),
    };
  }
  return { view, corpus, ...(problem ? { problem } : {}) };
}

function logCorpus(output: vscode.LogOutputChannel, corpus: CollectedCorpus): void {
  const roots = corpus.roots.map((r) => r.fsPath || r.toString()).join(', ');
  output.info(
    `Corpus from ${roots || '(no folder)'} (${corpus.include}): ${corpus.files.length} files taken (${formatBytes(corpus.bytes)}), ${corpus.skipped.length} skipped.`,
  );
  for (const s of corpus.skipped) {
    output.info(`  skipped ${s.path}: ${SKIP_REASON_TEXT[s.reason][0].replace(/^is |^are /, '')}${s.detail ? ` (${s.detail})` : ''}`);
  }
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (object[k] !== undefined) out[k] = object[k];
  return out;
}
