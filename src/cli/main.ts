#!/usr/bin/env node
// `lmx`: the LM Explorer engine on the command line.
//
//   lmx train <files or folders…> --out DIR     train a model on notes, saving checkpoints in DIR
//   lmx generate --model DIR --prompt TEXT      continue a prompt
//   lmx attention --model DIR --text TEXT       print one head's attention matrix
//   lmx inspect --model DIR                     a model's boxes with their parameters, a word's nearest tokens
//   lmx tokenize TEXT                           show the tokens of a text
//   lmx backends                                which TensorFlow.js backends load here, and why not
//
// Exit codes: 0 done, 2 bad input (one line on stderr, never a stack trace), 130 interrupted by Ctrl-C
// (after saving), 1 an internal error (a bug: set LMX_DEBUG=1 for its stack trace).

// first: the display language is set before any command module builds its texts
import { takeLanguageOption } from './language';
import * as l10n from '@vscode/l10n';
import { parseArgs } from 'util';
import { version } from '../../package.json';
import { describeBackendReport, initBackend } from '../engine/backends';
import { CheckpointError } from '../engine/checkpoint';
import { errorMessage, isUserError, UserError } from '../engine/errors';
import { HELP_OPTION, parseArgsMessage } from './args';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, type Command, type OptionValues } from './command';
import { COMMANDS } from './commands';
import { stderr, stdout } from './terminal';

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    l10n.t('lmx {0}: train a small GPT on your notes and look inside it', version),
    '',
    l10n.t('Usage: lmx <command> [options]'),
    '',
    l10n.t('Commands:'),
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    l10n.t('lmx <command> --help   options of a command'),
    l10n.t('lmx --version          the version'),
    l10n.t('--lang LANGUAGE        the language of the messages (en, pl; default: LC_ALL, LC_MESSAGES or LANG)'),
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [l10n.t('Usage: {0}', command.usage), '', `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`, '', command.help].join('\n');
}

/** Runs the CLI with the arguments after `lmx`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = takeLanguageOption(argv).rest;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) stdout(commandHelp(COMMANDS[rest[0]]));
    else stdout(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    stdout(`lmx ${version} (node ${process.versions.node})`);
    // Which backend `auto` takes here, and why it passed the others over (`lmx backends` tries each one).
    const report = await initBackend('auto');
    stdout(l10n.t('backend: {0}', report.name));
    for (const line of describeBackendReport(report)) stdout(`  ${line}`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) {
      throw new UserError(
        name.startsWith('-')
          ? l10n.t("Unknown option '{0}' (see lmx --help).", name)
          : l10n.t("Unknown command '{0}'; commands: {1}.", name, Object.keys(COMMANDS).join(', ')),
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout(commandHelp(command));
      return EXIT_OK;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...command.options, ...HELP_OPTION }, strict: true, allowPositionals: command.positionals !== 'none' });
    } catch (error) {
      throw new UserError(l10n.t('lmx {0}: {1} (see lmx {0} --help).', name, parseArgsMessage(error)));
    }
    const { values, positionals } = parsed;
    if (command.positionals === 'one' && positionals.length !== 1) {
      throw new UserError(
        positionals.length === 0
          ? l10n.t('lmx {0} needs the text as one argument (see lmx {0} --help).', name)
          : l10n.t('lmx {0} takes one text argument, got {1}; quote the text (see lmx {0} --help).', name, positionals.length),
      );
    }
    return await command.run(values as OptionValues, positionals);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (isUserError(error) || error instanceof CheckpointError) {
    const message = errorMessage(error);
    stderr(message.startsWith('lmx ') ? message : `lmx: ${message}`);
    return EXIT_USAGE;
  }
  if (process.env.LMX_DEBUG) {
    stderr(l10n.t('lmx: internal error: {0}', (error as Error)?.stack ?? String(error)));
  } else {
    stderr(l10n.t('lmx: internal error: {0} (set LMX_DEBUG=1 for details)', errorMessage(error)));
  }
  return EXIT_INTERNAL;
}

/**
 * Exits with `code` once stdout and stderr have handed everything written to the system. A pipe takes what
 * fits in its buffer (64 KB on Linux) and Node keeps the rest until the reader makes room: process.exit() at
 * once would drop it. The exit itself is needed: a native backend may hold handles that keep the process alive.
 */
function exitAfterOutput(code: number): void {
  process.exitCode = code;
  let waiting = 2;
  for (const stream of [process.stdout, process.stderr]) {
    let flushed = false;
    const done = () => {
      if (flushed) return;
      flushed = true;
      if (--waiting === 0) process.exit(code);
    };
    // A reader that went away (`lmx tokenize - | head`): nothing more to wait for.
    stream.once('error', done);
    stream.write('', done);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(exitAfterOutput, (error) => exitAfterOutput(reportError(error)));
}
