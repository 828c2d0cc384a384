// The CLI's display language, chosen before any command module builds its texts: main.ts imports this
// module first. `--lang pl` (or --lang=pl) anywhere on the command line wins over LC_ALL / LC_MESSAGES / LANG.

import { languageFromEnvironment, useLanguage } from '../l10n/node';

const LANG_OPTION = '--lang';

/** The --lang value of a command line and the arguments without it. */
export function takeLanguageOption(argv: readonly string[]): { language?: string; rest: string[] } {
  const rest: string[] = [];
  let language: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === LANG_OPTION && i + 1 < argv.length) language = argv[++i];
    else if (arg.startsWith(`${LANG_OPTION}=`)) language = arg.slice(LANG_OPTION.length + 1);
    else rest.push(arg);
  }
  return { language, rest };
}

/** The language in use ('pl' or 'en'). */
export const cliLanguage = useLanguage(takeLanguageOption(process.argv.slice(2)).language ?? languageFromEnvironment());
