// "Check Context Fit": how much of a well-known model's context window a text would take.
// Pure table and arithmetic (no `vscode` import): the quick pick that shows it lives in commands.ts.
//
// OpenAI models are counted with their own encoding, so their counts are exact. Every other vendor has a
// tokenizer of its own that gpt-tokenizer does not ship; for those the count is an estimate made with the
// OpenAI encoding closest in vocabulary size and make-up, and the UI says so.

import type { EncodingName } from '../engine/tokenizer';

export interface ModelWindow {
  /** What a person calls the model. */
  name: string;
  vendor: 'OpenAI' | 'Anthropic' | 'Google' | 'Meta' | 'Mistral AI';
  /** Context window in tokens (prompt and completion together). */
  contextTokens: number;
  /** The encoding the count is made with. */
  encoding: EncodingName;
  /** True when `encoding` is the model's own tokenizer; false when the count is an estimate. */
  exact: boolean;
  /** Why this encoding was chosen for an estimate, shown in the list. */
  note?: string;
}

/** Well-known models and their context windows, largest vendors first. */
export const MODEL_WINDOWS: readonly ModelWindow[] = [
  { name: 'GPT-4.1', vendor: 'OpenAI', contextTokens: 1_047_576, encoding: 'o200k_base', exact: true },
  { name: 'GPT-4o', vendor: 'OpenAI', contextTokens: 128_000, encoding: 'o200k_base', exact: true },
  { name: 'GPT-4o mini', vendor: 'OpenAI', contextTokens: 128_000, encoding: 'o200k_base', exact: true },
  { name: 'o1 / o3', vendor: 'OpenAI', contextTokens: 200_000, encoding: 'o200k_base', exact: true },
  { name: 'GPT-4 Turbo', vendor: 'OpenAI', contextTokens: 128_000, encoding: 'cl100k_base', exact: true },
  { name: 'GPT-4', vendor: 'OpenAI', contextTokens: 8_192, encoding: 'cl100k_base', exact: true },
  { name: 'GPT-3.5 Turbo', vendor: 'OpenAI', contextTokens: 16_385, encoding: 'cl100k_base', exact: true },
  { name: 'GPT-3 (davinci)', vendor: 'OpenAI', contextTokens: 2_049, encoding: 'r50k_base', exact: true },
  { name: 'GPT-2', vendor: 'OpenAI', contextTokens: 1_024, encoding: 'r50k_base', exact: true },
  {
    name: 'Claude 3 / 3.5',
    vendor: 'Anthropic',
    contextTokens: 200_000,
    encoding: 'cl100k_base',
    exact: false,
    note: "Anthropic's tokenizer is not public",
  },
  {
    name: 'Gemini 1.5 Pro',
    vendor: 'Google',
    contextTokens: 2_097_152,
    encoding: 'o200k_base',
    exact: false,
    note: 'Gemini uses a 256k SentencePiece vocabulary',
  },
  {
    name: 'Gemini 1.5 Flash',
    vendor: 'Google',
    contextTokens: 1_048_576,
    encoding: 'o200k_base',
    exact: false,
    note: 'Gemini uses a 256k SentencePiece vocabulary',
  },
  {
    name: 'Llama 3',
    vendor: 'Meta',
    contextTokens: 8_192,
    encoding: 'cl100k_base',
    exact: false,
    note: "Llama 3's 128k vocabulary extends cl100k_base",
  },
  {
    name: 'Llama 3.1',
    vendor: 'Meta',
    contextTokens: 131_072,
    encoding: 'cl100k_base',
    exact: false,
    note: "Llama 3's 128k vocabulary extends cl100k_base",
  },
  {
    name: 'Mistral 7B',
    vendor: 'Mistral AI',
    contextTokens: 32_768,
    encoding: 'cl100k_base',
    exact: false,
    note: 'Mistral uses a 32k SentencePiece vocabulary: expect more tokens than this',
  },
  {
    name: 'Mixtral 8x7B',
    vendor: 'Mistral AI',
    contextTokens: 32_768,
    encoding: 'cl100k_base',
    exact: false,
    note: 'Mistral uses a 32k SentencePiece vocabulary: expect more tokens than this',
  },
];

/** The encodings a fit check needs counts for. */
export function encodingsNeeded(table: readonly ModelWindow[] = MODEL_WINDOWS): EncodingName[] {
  return [...new Set(table.map((m) => m.encoding))];
}

export interface FitRow {
  model: ModelWindow;
  tokens: number;
  fits: boolean;
  /** Share of the window the text takes, in percent (may exceed 100). */
  percent: number;
  /** Tokens left in the window (negative when over). */
  remaining: number;
}

/** One row per model: the count in that model's encoding against its window. */
export function contextFit(
  counts: Partial<Record<EncodingName, number>>,
  table: readonly ModelWindow[] = MODEL_WINDOWS,
): FitRow[] {
  return table.map((model) => {
    const tokens = counts[model.encoding];
    if (tokens === undefined) throw new Error(`contextFit: no ${model.encoding} count for ${model.name}.`);
    return {
      model,
      tokens,
      fits: tokens <= model.contextTokens,
      percent: (tokens / model.contextTokens) * 100,
      remaining: model.contextTokens - tokens,
    };
  });
}

/** A percentage as a person reads it: "0%", "<0.1%", "3.4%", "87%", "250%". */
export function formatPercent(percent: number): string {
  if (percent === 0) return '0%';
  if (percent < 0.1) return '<0.1%';
  if (percent < 10) return `${(Math.round(percent * 10) / 10).toFixed(1).replace(/\.0$/, '')}%`;
  return `${Math.round(percent)}%`;
}

/** A window size the way vendors write it: 8k, 128k, 1M, 2M (binary sizes rounded to the nearest). */
export function formatWindow(tokens: number): string {
  if (tokens >= 1_000_000) return `${Math.round(tokens / 1_000_000)}M`;
  if (tokens >= 1_000) return `${Math.round(tokens / 1_000)}k`;
  return String(tokens);
}

/** The quick pick's label of one row: "✓ GPT-4o" or "✗ Llama 3". */
export function fitLabel(row: FitRow): string {
  return `${row.fits ? '✓' : '✗'} ${row.model.name}`;
}

/** The quick pick's description of one row: "1,234 of 128k tokens · 1% used". */
export function fitDescription(row: FitRow, format: (n: number) => string = (n) => n.toLocaleString('en-US')): string {
  const used = `${formatPercent(row.percent)} used`;
  const over = row.fits ? '' : ` · ${format(-row.remaining)} too many`;
  return `${row.fits ? 'fits' : 'does not fit'} · ${format(row.tokens)} of ${formatWindow(row.model.contextTokens)} tokens · ${used}${over}`;
}

/** The quick pick's detail of one row: which encoding counted, and whether that is exact. */
export function fitDetail(row: FitRow): string {
  return row.model.exact
    ? `${row.model.vendor} · counted with ${row.model.encoding} (exact)`
    : `${row.model.vendor} · estimate with ${row.model.encoding}${row.model.note ? ` — ${row.model.note}` : ''}`;
}
