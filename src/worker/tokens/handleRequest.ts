// What the token worker does with one request; the client runs the same function inline for small texts,
// so both paths give the same answers.

import { encode } from '../../engine/tokenizer';
import { textStats, tokenTable } from '../../features/tokens/core/tokenTable';
import type { WorkerRequest, WorkerResponse } from './protocol';

/** What the worker does with one request (also the inline path, so both give the same answers). */
export function handleRequest(request: WorkerRequest): WorkerResponse {
  const { seq, op, text, tokenizer } = request;
  switch (op) {
    case 'tokenize':
      return { seq, ok: true, table: tokenTable(text, tokenizer) };
    case 'stats':
      return { seq, ok: true, stats: textStats(text, tokenizer) };
    case 'count':
      return { seq, ok: true, count: text ? encode(text, tokenizer).length : 0 };
    default:
      return { seq, ok: false, error: `unknown operation ${JSON.stringify(op)}` };
  }
}

