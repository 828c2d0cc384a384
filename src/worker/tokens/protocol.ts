// The messages between the token worker and its client (TokenizeService): one request at a time, answered
// with the same seq; a token table's buffers are transferred, not copied.
//
// An imported model's tokenizer (its tokenizer.json) is sent to the worker once, in a loadTokenizer request
// with a key of the client's choosing; the requests after it name the tokenizer by that key. The worker
// keeps the last MAX_LOADED_TOKENIZERS it was given (a tokenizer.json can be tens of megabytes once built),
// and the client, which sends every load, keeps count the same way, so it knows which the worker holds.

import type { TokenizerName } from '../../engine/tokenizer';
import type { TextStats, TokenTable } from '../../features/tokens/core/tokenTable';

export const MAX_LOADED_TOKENIZERS = 2;

/** A request's tokenizer: a GPT encoding or 'char' by name, or an imported tokenizer by its load key. */
export type TokenizerRef = TokenizerName | { hf: string };

export type WorkerOp = 'tokenize' | 'stats' | 'count';
export type WorkerRequest =
  | { seq: number; op: WorkerOp; text: string; tokenizer: TokenizerRef }
  | { seq: number; op: 'loadTokenizer'; key: string; json: Record<string, unknown>; config: Record<string, unknown> };
export type WorkerResponse =
  | { seq: number; ok: true; table?: TokenTable; stats?: TextStats; count?: number }
  | { seq: number; ok: false; error: string };

/** The buffers of a response, handed over to the receiving thread instead of copied. */
export function transferList(response: WorkerResponse): ArrayBuffer[] {
  if (!response.ok || !response.table) return [];
  const { ids, starts, ends, byteStarts } = response.table;
  return [ids.buffer as ArrayBuffer, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, byteStarts.buffer as ArrayBuffer];
}
