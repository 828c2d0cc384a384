// Numbers, dates, lists and plural forms in the display language, for every part of LM Explorer: the
// extension host, the webview pages and the CLI each set the language once at start (setDisplayLanguage)
// and then format through these functions. No `vscode` here: webviews and the CLI import this file.
//
// Plural messages: one translatable string holds every form, separated by `|`, in the CLDR order of the
// categories the language has (zero, one, two, few, many, other). English has two: "{0} token|{0} tokens";
// Polish four: "{0} token|{0} tokeny|{0} tokenów|{0} tokenu" (one, few, many, other; `other` is for fractions).
// `plural(count, t('{0} token|{0} tokens', formatNumber(count)))` picks the form with Intl.PluralRules.
// So `|` marks a plural message: a literal `|` in a text (a list of choices) goes in through a placeholder.

import * as l10n from '@vscode/l10n';

/** The CLDR plural categories in the order a plural message lists its forms. */
const CATEGORY_ORDER: readonly Intl.LDMLPluralRule[] = ['zero', 'one', 'two', 'few', 'many', 'other'];

/** Separates the forms of a plural message. */
export const PLURAL_SEPARATOR = '|';

const FALLBACK_LOCALE = 'en';

let currentLocale = FALLBACK_LOCALE;
const pluralRules = new Map<string, Intl.PluralRules>();

/**
 * A VS Code language id ('pl', 'en', 'zh-cn', 'qps-ploc') or a POSIX one ('pl_PL.UTF-8') as the Intl
 * locale to format with: the tag when Intl knows its language, else English.
 */
export function intlLocale(language: string | undefined): string {
  const tag = (language ?? '').replace(/[.@].*$/, '').replace(/_/g, '-');
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (canonical && Intl.NumberFormat.supportedLocalesOf([canonical]).length > 0) return canonical;
  } catch {
    // not a well-formed tag ('C', '')
  }
  return FALLBACK_LOCALE;
}

/** Sets the language every function below formats in (VS Code's `vscode.env.language`, the CLI's --lang). */
export function setDisplayLanguage(language: string | undefined): void {
  currentLocale = intlLocale(language);
}

/** The Intl locale in use ('pl', 'en', …). */
export function displayLocale(): string {
  return currentLocale;
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return value.toLocaleString(currentLocale, options);
}

/** A number with exactly `digits` decimals ("0,25" in Polish). */
export function formatFixed(value: number, digits: number): string {
  return formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share (0.25) as a percentage ("25%" in English, "25%" in Polish, with the locale's spacing). */
export function formatPercent(fraction: number, digits = 0): string {
  return formatNumber(fraction, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatDateTime(date: Date | number, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }): string {
  return new Intl.DateTimeFormat(currentLocale, options).format(date);
}

/** "a, b and c" / "a, b i c". */
export function formatList(items: readonly string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(currentLocale, { style: 'long', type }).format(items);
}

/** The plural categories of a locale in the order a plural message lists its forms. */
export function pluralCategories(locale: string = currentLocale): Intl.LDMLPluralRule[] {
  const categories = rulesFor(locale).resolvedOptions().pluralCategories;
  return CATEGORY_ORDER.filter((category) => categories.includes(category));
}

/**
 * The form of a plural message ("{0} token|{0} tokens", already translated and formatted) for `count`.
 * A message with as many forms as the display language has categories is read in that language; one that
 * was not translated (two forms in a Polish UI) is read as English. A message without `|` is returned as is.
 */
export function plural(count: number, message: string): string {
  const forms = message.split(PLURAL_SEPARATOR);
  if (forms.length === 1) return message;
  const locale = pluralCategories(currentLocale).length === forms.length ? currentLocale : FALLBACK_LOCALE;
  const categories = pluralCategories(locale);
  const index = categories.indexOf(rulesFor(locale).select(count));
  return forms[index] ?? forms[forms.length - 1];
}

function rulesFor(locale: string): Intl.PluralRules {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules;
}

// Durations and large counts, one style for the training UI, the dashboard and the CLI.

/** 950 → "<1s"; 75_000 → "1m 15s"; 3_723_000 → "1h 02m"; 90_061_000 → "1d 01h". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return l10n.t('<1s');
  const s = Math.round(ms / 1000);
  if (s < 60) return l10n.t('{0}s', s);
  const m = Math.floor(s / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  if (m < 60) return l10n.t('{0}m {1}s', m, two(s % 60));
  const h = Math.floor(m / 60);
  if (h < 24) return l10n.t('{0}h {1}m', h, two(m % 60));
  const d = Math.floor(h / 24);
  return l10n.t('{0}d {1}h', d, two(h % 24));
}

/** 1234 → "1,234"; 1_234_567 → "1.23M"; 12_345_678 → "12.3M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1e6) return formatNumber(Math.round(n));
  if (Math.abs(n) < 1e7) return l10n.t('{0}M', formatFixed(n / 1e6, 2));
  if (Math.abs(n) < 1e9) return l10n.t('{0}M', formatFixed(n / 1e6, 1));
  return l10n.t('{0}B', formatFixed(n / 1e9, 2));
}
