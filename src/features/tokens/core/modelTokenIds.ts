// How a token of the trained model is named wherever one is shown (the next-token list, the attention
// panel, the token hover): by both of its IDs, "model #129 · GPT 140914". Only @vscode/l10n, so the
// webviews bundle it as it is; the texts are functions, read once the page or host has set its language.

import * as l10n from '@vscode/l10n';

/** One sentence on why a model token has two IDs (in hovers and tooltips). */
export function modelVocabularyNote(): string {
  return l10n.t(
    'Your model has a compact vocabulary of its own: only the tokens your notes use, numbered from the most frequent (model #), each standing for a token of the GPT encoding (GPT) or, with no GPT ID, a single byte.',
  );
}

export interface ModelTokenIds {
  /** The model's vocabulary ID. */
  id: number;
  /** The GPT encoding's ID of the token (absent for special tokens and byte tokens). */
  gptId?: number;
  /** For a byte token (no GPT ID): its bytes in hex ("C4"). */
  byteHex?: string;
  /** With the 'char' tokenizer: the character's code point, in place of a GPT ID. */
  codePoint?: number;
}

/** "model #129 · GPT 140914", "model #5 · byte C4", "model #7 · U+0105", "model #1" (a special token). */
export function modelTokenIds(token: ModelTokenIds): string {
  const model = l10n.t('model #{0}', token.id);
  if (token.gptId !== undefined) return `${model} · GPT ${token.gptId}`;
  if (token.codePoint !== undefined) return `${model} · U+${token.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (token.byteHex !== undefined) return `${model} · ${l10n.t('byte {0}', token.byteHex)}`;
  return model;
}
