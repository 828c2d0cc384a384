// What the token worker does with one request; the client runs the same function inline for small texts,
// so both paths give the same answers.

import { HfTokenizer } from '../../engine/hf/hfTokenizer';
import { encodeText, textStats, tokenTable, type TextTokenizer } from '../../features/tokens/core/tokenTable';
import { MAX_LOADED_TOKENIZERS, type TokenizerRef, type WorkerRequest, type WorkerResponse } from './protocol';

/** Where a request's tokenizer comes from: the worker's loaded tokenizers, or (inline) the caller's own. */
export interface TokenizerSource {
  tokenizer(ref: TokenizerRef): TextTokenizer;
  load(key: string, json: Record<string, unknown>, config: Record<string, unknown>): void;
}

/** The imported tokenizers the worker was sent: the last MAX_LOADED_TOKENIZERS, by key. */
export class LoadedTokenizers implements TokenizerSource {
  private readonly byKey = new Map<string, HfTokenizer>();

  tokenizer(ref: TokenizerRef): TextTokenizer {
    if (typeof ref === 'string') return ref;
    const found = this.byKey.get(ref.hf);
    if (!found) throw new Error(`no tokenizer loaded as ${JSON.stringify(ref.hf)}`);
    return found;
  }

  load(key: string, json: Record<string, unknown>, config: Record<string, unknown>): void {
    this.byKey.delete(key);
    this.byKey.set(key, new HfTokenizer(json, config));
    for (const oldest of this.byKey.keys()) {
      if (this.byKey.size <= MAX_LOADED_TOKENIZERS) break;
      this.byKey.delete(oldest);
    }
  }
}

/** What the worker does with one request (also the inline path, so both give the same answers). */
export function handleRequest(request: WorkerRequest, tokenizers: TokenizerSource): WorkerResponse {
  const { seq } = request;
  if (request.op === 'loadTokenizer') {
    tokenizers.load(request.key, request.json, request.config);
    return { seq, ok: true };
  }
  const { op, text } = request;
  const tokenizer = tokenizers.tokenizer(request.tokenizer);
  switch (op) {
    case 'tokenize':
      return { seq, ok: true, table: tokenTable(text, tokenizer) };
    case 'stats':
      return { seq, ok: true, stats: textStats(text, tokenizer) };
    case 'count':
      return { seq, ok: true, count: text ? encodeText(text, tokenizer).length : 0 };
    default:
      return { seq, ok: false, error: `unknown operation ${JSON.stringify(op)}` };
  }
}
