// "Check Context Fit": how much of a well-known model's context window a text would take.
// Pure table and arithmetic (no `vscode` import): the quick pick that shows it lives in ../commands.ts.
//
// The models and their windows are data, in contextWindows.json (dated, so that a reader knows how current
// it is). OpenAI models are counted with their own encoding, so their counts are exact. Every other vendor
// has a tokenizer of its own that gpt-tokenizer does not ship; for those the count is an estimate made
// with the encoding the user selected (the one the status bar counts with), and the UI says so.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';
import { isTokenizerName, type EncodingName } from '../../../engine/tokenizer';
import { HF_TOKENIZER, type VocabularyTokenizer } from '../../../engine/vocab';
import { HF_IMPORT_FILES } from '../../../engine/hf/importHf';
import windowsFile from './contextWindows.json';

export interface ModelWindow {
  /** What a person calls the model. */
  name: string;
  vendor: string;
  /** The most tokens the model reads at once. */
  contextTokens: number;
  /** The model's own encoding, when gpt-tokenizer has it (the count is then exact); else it is estimated. */
  encoding?: EncodingName;
  /** Why a count is an estimate, or anything else worth knowing, shown in the list. */
  note?: string;
}

export interface ModelWindows {
  /** The day the list was last checked against the vendors' documentation (YYYY-MM-DD). */
  asOf: string;
  models: ModelWindow[];
}

/** Reads contextWindows.json's content, checking every field; throws an Error saying what is wrong. */
export function readModelWindows(json: unknown): ModelWindows {
  const o = json as { format?: unknown; asOf?: unknown; models?: unknown };
  if (typeof o !== 'object' || o === null || o.format !== 'lmx-context-windows') throw new Error('context windows: "format" must be "lmx-context-windows"');
  if (typeof o.asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(o.asOf)) throw new Error('context windows: "asOf" must be a date, YYYY-MM-DD');
  if (!Array.isArray(o.models) || o.models.length === 0) throw new Error('context windows: "models" must be a non-empty array');
  const names = new Set<string>();
  const models = o.models.map((m: Record<string, unknown>, i): ModelWindow => {
    const where = `context windows: model ${i + 1}`;
    if (typeof m.name !== 'string' || !m.name) throw new Error(`${where}: "name" is missing`);
    if (names.has(m.name)) throw new Error(`${where}: ${m.name} is listed twice`);
    names.add(m.name);
    if (typeof m.vendor !== 'string' || !m.vendor) throw new Error(`${where} (${m.name}): "vendor" is missing`);
    if (typeof m.contextTokens !== 'number' || !Number.isInteger(m.contextTokens) || m.contextTokens <= 0) {
      throw new Error(`${where} (${m.name}): "contextTokens" must be a positive integer`);
    }
    if (m.encoding !== undefined && (!isTokenizerName(m.encoding) || m.encoding === 'char')) {
      throw new Error(`${where} (${m.name}): "encoding" ${JSON.stringify(m.encoding)} is not a GPT encoding`);
    }
    if (m.note !== undefined && typeof m.note !== 'string') throw new Error(`${where} (${m.name}): "note" must be text`);
    return {
      name: m.name,
      vendor: m.vendor,
      contextTokens: m.contextTokens,
      ...(m.encoding !== undefined ? { encoding: m.encoding as EncodingName } : {}),
      ...(m.note !== undefined ? { note: m.note as string } : {}),
    };
  });
  return { asOf: o.asOf, models };
}

/** The list LM Explorer ships. */
export const MODEL_WINDOWS: ModelWindows = readModelWindows(windowsFile);

/** The encodings a fit check needs counts for: each model's own, and the selected one for the estimates. */
export function encodingsNeeded(selected: VocabularyTokenizer, table: readonly ModelWindow[] = MODEL_WINDOWS.models): VocabularyTokenizer[] {
  return [...new Set<VocabularyTokenizer>([selected, ...table.flatMap((m) => (m.encoding ? [m.encoding] : []))])];
}

export interface FitRow {
  model: ModelWindow;
  /** The encoding the count was made with ('hf': an imported model's own tokenizer.json). */
  encoding: VocabularyTokenizer;
  /** Whether that is the model's own encoding (else the count is an estimate). */
  exact: boolean;
  tokens: number;
  fits: boolean;
  /** Share of the window the text takes, in percent (may exceed 100). */
  percent: number;
  /** Tokens left in the window (negative when over). */
  remaining: number;
}

/** One row per model: the count in that model's encoding (else the selected one) against its window. */
export function contextFit(
  counts: Partial<Record<VocabularyTokenizer, number>>,
  selected: VocabularyTokenizer,
  table: readonly ModelWindow[] = MODEL_WINDOWS.models,
): FitRow[] {
  return table.map((model) => {
    const encoding = model.encoding ?? selected;
    const tokens = counts[encoding];
    if (tokens === undefined) throw new Error(`contextFit: no ${encoding} count for ${model.name}.`);
    return {
      model,
      encoding,
      exact: model.encoding !== undefined,
      tokens,
      fits: tokens <= model.contextTokens,
      percent: (tokens / model.contextTokens) * 100,
      remaining: model.contextTokens - tokens,
    };
  });
}

/** A percentage as a person reads it: "0%", "<0.1%", "3.4%", "87%", "250%". */
export function formatPercent(percent: number): string {
  const percentOf = (digits: number) => formatNumber(percent / 100, { style: 'percent', maximumFractionDigits: digits });
  if (percent === 0) return percentOf(0);
  if (percent < 0.1) return `<${formatNumber(0.001, { style: 'percent', maximumFractionDigits: 1 })}`;
  if (percent < 10) return percentOf(1);
  return percentOf(0);
}

/** Token counts and window sizes, written one way everywhere: in full, "131,072" (never "128k" or "131k"). */
export function formatTokens(n: number): string {
  return formatNumber(n);
}

/** The quick pick's label of one row: "✓ GPT-4o" or "✗ Llama 3". */
export function fitLabel(row: FitRow): string {
  return `${row.fits ? '✓' : '✗'} ${row.model.name}`;
}

/** How an encoding is named in the list: its name, or the file of an imported model's own tokenizer. */
export function encodingName(encoding: VocabularyTokenizer): string {
  return encoding === HF_TOKENIZER ? HF_IMPORT_FILES.tokenizer : encoding;
}

/** The quick pick's description of one row: "fits · 1,234 of 128,000 tokens · 1% used". */
export function fitDescription(row: FitRow): string {
  const used = l10n.t('{0} used', formatPercent(row.percent));
  const over = row.fits ? '' : ` · ${l10n.t('{0} too many', formatTokens(-row.remaining))}`;
  const of = plural(row.model.contextTokens, l10n.t('{0} of {1} token|{0} of {1} tokens', formatTokens(row.tokens), formatTokens(row.model.contextTokens)));
  return `${row.fits ? l10n.t('fits') : l10n.t('does not fit')} · ${of} · ${used}${over}`;
}

/** The quick pick's detail of one row: which encoding counted, and whether that is exact. */
export function fitDetail(row: FitRow): string {
  const encoding = encodingName(row.encoding);
  const how = row.exact ? l10n.t('counted with {0}, its own encoding (exact)', encoding) : l10n.t('estimated with {0}, the selected encoding', encoding);
  return `${row.model.vendor} · ${how}${row.model.note ? ` — ${row.model.note}` : ''}`;
}
