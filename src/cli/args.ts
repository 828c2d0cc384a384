// Reading option values: numbers, choices and strings, each wrong value one UserError naming the option.

import * as l10n from '@vscode/l10n';
import { errorMessage, UserError } from '../engine/errors';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/** The choices of an option, as its help lists them. */
export function choiceList(choices: readonly string[]): string {
  return choices.join(' | ');
}

export const HELP_OPTION: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h' } };

export function integerOption(values: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim().replace(/_/g, '');
  if (!/^[+-]?\d+$/.test(text)) throw new UserError(l10n.t('--{0} must be a whole number, got "{1}".', name, String(raw)));
  const n = Number(text);
  if (n < min || n > max) {
    throw new UserError(
      max === Number.MAX_SAFE_INTEGER
        ? l10n.t('--{0} must be at least {1}, got {2}.', name, min, n)
        : l10n.t('--{0} must be between {1} and {2}, got {3}.', name, min, max, n),
    );
  }
  return n;
}

export function numberOption(
  values: Record<string, unknown>,
  name: string,
  check: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean },
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new UserError(l10n.t('--{0} must be a number, got "{1}".', name, String(raw)));
  const low = check.min === undefined || (check.minExclusive ? n > check.min : n >= check.min);
  const high = check.max === undefined || (check.maxExclusive ? n < check.max : n <= check.max);
  if (!low || !high) {
    const lo = check.min === undefined ? '' : `${check.minExclusive ? '>' : '≥'} ${check.min}`;
    const hi = check.max === undefined ? '' : `${check.maxExclusive ? '<' : '≤'} ${check.max}`;
    const bounds = [lo, hi].filter(Boolean);
    throw new UserError(
      bounds.length === 2 ? l10n.t('--{0} must be {1} and {2}, got {3}.', name, bounds[0], bounds[1], n) : l10n.t('--{0} must be {1}, got {2}.', name, bounds[0], n),
    );
  }
  return n;
}

export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(String(raw))) throw new UserError(l10n.t('--{0} must be one of {1}; got "{2}".', name, choices.join(', '), String(raw)));
  return raw as T;
}

export function stringOption(values: Record<string, unknown>, name: string, required: true): string;
export function stringOption(values: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringOption(values: Record<string, unknown>, name: string, required = false): string | undefined {
  const raw = values[name];
  if (raw === undefined || raw === '') {
    if (required) throw new UserError(l10n.t('--{0} is required.', name));
    return undefined;
  }
  return String(raw);
}

/** util.parseArgs' error as a short phrase: what was wrong with which option or argument. */
export function parseArgsMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = errorMessage(error);
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return l10n.t("unknown option '{0}'", option ?? message);
  }
  if (e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1];
    return l10n.t("unexpected argument '{0}': this command takes options only", String(arg));
  }
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
    if (/argument missing/.test(message)) return l10n.t("option '{0}' needs a value", String(option));
    if (/ambiguous/.test(message)) return l10n.t("option '{0}' needs a value; write a value starting with '-' as {0}=-1", String(option));
    if (/does not take an argument/.test(message)) return l10n.t("option '{0}' takes no value", String(option));
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}
