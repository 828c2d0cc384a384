// Reading option values: numbers, choices and strings, each wrong value one UserError naming the option.

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
  if (!/^[+-]?\d+$/.test(text)) throw new UserError(`--${name} must be a whole number, got "${raw}".`);
  const n = Number(text);
  if (n < min || n > max) throw new UserError(`--${name} must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`}, got ${n}.`);
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
  if (!Number.isFinite(n)) throw new UserError(`--${name} must be a number, got "${raw}".`);
  const low = check.min === undefined || (check.minExclusive ? n > check.min : n >= check.min);
  const high = check.max === undefined || (check.maxExclusive ? n < check.max : n <= check.max);
  if (!low || !high) {
    const lo = check.min === undefined ? '' : `${check.minExclusive ? '>' : '≥'} ${check.min}`;
    const hi = check.max === undefined ? '' : `${check.maxExclusive ? '<' : '≤'} ${check.max}`;
    throw new UserError(`--${name} must be ${[lo, hi].filter(Boolean).join(' and ')}, got ${n}.`);
  }
  return n;
}

export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(String(raw))) throw new UserError(`--${name} must be one of ${choices.join(', ')}; got "${raw}".`);
  return raw as T;
}

export function stringOption(values: Record<string, unknown>, name: string, required: true): string;
export function stringOption(values: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringOption(values: Record<string, unknown>, name: string, required = false): string | undefined {
  const raw = values[name];
  if (raw === undefined || raw === '') {
    if (required) throw new UserError(`--${name} is required.`);
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
    return `unknown option '${option ?? message}'`;
  }
  if (e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1];
    return `unexpected argument '${arg}': this command takes options only`;
  }
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
    if (/argument missing/.test(message)) return `option '${option}' needs a value`;
    if (/ambiguous/.test(message)) return `option '${option}' needs a value; write a value starting with '-' as ${option}=-1`;
    if (/does not take an argument/.test(message)) return `option '${option}' takes no value`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}
