// The messages between the token worker and its client (TokenizeService): one request at a time, answered
// with the same seq; a token table's buffers are transferred, not copied.

import type { TokenizerName } from '../../engine/tokenizer';
import type { TextStats, TokenTable } from '../../features/tokens/core/tokenTable';

export type WorkerOp = 'tokenize' | 'stats' | 'count';
export interface WorkerRequest {
  seq: number;
  op: WorkerOp;
  text: string;
  tokenizer: TokenizerName;
}
export type WorkerResponse =
  | { seq: number; ok: true; table?: TokenTable; stats?: TextStats; count?: number }
  | { seq: number; ok: false; error: string };

/** The buffers of a response, handed over to the receiving thread instead of copied. */
export function transferList(response: WorkerResponse): ArrayBuffer[] {
  if (!response.ok || !response.table) return [];
  const { ids, starts, ends, byteStarts } = response.table;
  return [ids.buffer as ArrayBuffer, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, byteStarts.buffer as ArrayBuffer];
}

