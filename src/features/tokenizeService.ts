// Tokenizing for the editor features, off the extension host's thread when the text is large.
//
// Small texts (up to `threshold` UTF-16 units, 64 KiB by default) are tokenized inline: a worker round trip
// would cost more than the work. Larger ones go to one worker_threads worker (dist/tokenWorker.js), so that a
// 1 MB document never blocks the host that every other extension shares. Requests carry an optional key;
// a newer request with the same key supersedes an older one that has not started (the status bar asks on
// every selection change and only the latest answer matters).
//
// No `vscode` import: the worker, the benchmark and the unit tests load this file too.

import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { encode, isTokenizerLoaded, tokenBytes, type EncodingName, type TokenizerName } from '../engine/tokenizer';
import { Vocabulary } from '../engine/vocab';

/** Every token of a text, compactly: a 1 MB text has ~400k tokens, too many for one object each. */
export interface TokenTable {
  tokenizer: TokenizerName;
  /** Token IDs of `tokenizer`. */
  ids: Uint32Array;
  /** UTF-16 offsets into the text (see TokenPiece: a token that ends inside a character takes the whole
   * character, and the token that finishes it gets an empty range right after). */
  starts: Uint32Array;
  ends: Uint32Array;
  /** Where each token's bytes start in the UTF-8 encoding of the text (n + 1 entries, the last one the total),
   * so a token's bytes can be read from the text without the encoding's tables. */
  byteStarts: Uint32Array;
}

const utf8 = new TextEncoder();

/** The bytes of token `i` of a table made from `text`: its slice of the text's UTF-8 encoding. */
export function tableTokenBytes(table: TokenTable, text: string | Uint8Array, i: number): Uint8Array {
  const encoded = typeof text === 'string' ? utf8.encode(text) : text;
  return encoded.subarray(table.byteStarts[i], table.byteStarts[i + 1]);
}

export interface TextStats {
  tokens: number;
  words: number;
  /** Unicode characters (code points), so an emoji counts once and a lone surrogate once. */
  chars: number;
}

/** UTF-8 length of every token ID seen, per tokenizer (the engine caches the bytes themselves). */
const byteLengths = new Map<TokenizerName, Map<number, number>>();

function tokenByteLength(id: number, tokenizer: TokenizerName, cache: Map<number, number>): number {
  let length = cache.get(id);
  if (length === undefined) {
    length = tokenBytes(id, tokenizer).length;
    cache.set(id, length);
  }
  return length;
}

/**
 * Tokenizes inline into a TokenTable: the same offsets as the engine's tokenPieces (a token that ends inside
 * a character takes the whole character; the token that finishes it starts after it), without making an
 * object per token — for 1 MB of text that is the difference between the encoder's time and twice it.
 */
export function tokenTable(text: string, tokenizer: TokenizerName): TokenTable {
  const idList = encode(text, tokenizer);
  const n = idList.length;
  const ids = new Uint32Array(n);
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  const byteStarts = new Uint32Array(n + 1);
  let byte = 0;
  let cache = byteLengths.get(tokenizer);
  if (!cache) byteLengths.set(tokenizer, (cache = new Map()));
  // Walk the text in step with the tokens' bytes: `pos` is the first character not wholly consumed yet,
  // `used` how many of its UTF-8 bytes earlier tokens took, `width`/`units` its size in bytes and UTF-16.
  let pos = 0;
  let used = 0;
  let width = 0;
  let units = 0;
  const measure = () => {
    if (pos >= text.length) {
      width = 0;
      units = 0;
      return;
    }
    const unit = text.charCodeAt(pos);
    units = 1;
    if (unit < 0x80) width = 1;
    else if (unit < 0x800) width = 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && pos + 1 < text.length && isLowSurrogate(text.charCodeAt(pos + 1))) {
      width = 4;
      units = 2;
    } else width = 3; // other BMP characters, and a lone surrogate (encoded as U+FFFD)
  };
  measure();
  for (let i = 0; i < n; i++) {
    const id = idList[i];
    ids[i] = id;
    starts[i] = used === 0 ? pos : pos + units;
    let remaining = tokenizer === 'char' ? width - used : tokenByteLength(id, tokenizer, cache);
    byteStarts[i] = byte;
    byte += remaining;
    while (remaining > 0 && pos < text.length) {
      const left = width - used;
      if (remaining >= left) {
        remaining -= left;
        pos += units;
        used = 0;
        measure();
      } else {
        used += remaining;
        remaining = 0;
      }
    }
    ends[i] = used === 0 ? pos : pos + units;
  }
  byteStarts[n] = byte;
  return { tokenizer, ids, starts, ends, byteStarts };
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

// A word: letters, digits and combining marks, joined across an inner apostrophe or hyphen ("don't",
// "self-attention", "GPT-4o"). Punctuation, symbols and emoji are not words.
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*/gu;

/** Number of words in a text (see WORD). */
export function countWords(text: string): number {
  let count = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) count++;
  return count;
}

/** Number of Unicode code points: UTF-16 length less one for each surrogate pair. */
export function countChars(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return text.length - pairs;
}

export function textStats(text: string, tokenizer: TokenizerName): TextStats {
  return { tokens: text ? encode(text, tokenizer).length : 0, words: countWords(text), chars: countChars(text) };
}

// ---- the worker protocol --------------------------------------------------------------------------------

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

/** The buffers of a response, handed over to the receiving thread instead of copied. */
export function transferList(response: WorkerResponse): ArrayBuffer[] {
  if (!response.ok || !response.table) return [];
  const { ids, starts, ends, byteStarts } = response.table;
  return [ids.buffer as ArrayBuffer, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, byteStarts.buffer as ArrayBuffer];
}

/** Thrown (as a rejection) for a request that a newer one with the same key replaced before it ran. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'SupersededError';
  }
}

export function isSuperseded(error: unknown): error is SupersededError {
  return error instanceof SupersededError;
}

export interface TokenizeServiceOptions {
  /** dist/tokenWorker.js; without it (or when the file is missing) everything runs inline. */
  workerPath?: string;
  /** Texts longer than this (UTF-16 units) go to the worker. Read on each request. */
  threshold?: () => number;
  log?: (message: string) => void;
}

export interface RequestOptions {
  /** Requests with the same key supersede each other: only the latest one not yet started runs. */
  key?: string;
}

interface Pending {
  request: WorkerRequest;
  key?: string;
  resolve(response: WorkerResponse): void;
  reject(error: unknown): void;
}

export const DEFAULT_WORKER_THRESHOLD = 64 * 1024;

export class TokenizeService {
  private worker: Worker | undefined;
  private workerBroken = false;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private seq = 0;
  private disposed = false;
  /** How many requests the worker has answered (the integration tests check large texts go there). */
  workerRequests = 0;
  inlineRequests = 0;
  /** Why the worker is not used, once it is not (missing file, crash). */
  workerProblem: string | undefined;

  constructor(private readonly options: TokenizeServiceOptions = {}) {}

  tokenize(text: string, tokenizer: TokenizerName, options: RequestOptions = {}): Promise<TokenTable> {
    return this.request('tokenize', text, tokenizer, options).then((r) => r.table!);
  }

  stats(text: string, tokenizer: TokenizerName, options: RequestOptions = {}): Promise<TextStats> {
    return this.request('stats', text, tokenizer, options).then((r) => r.stats!);
  }

  count(text: string, tokenizer: TokenizerName, options: RequestOptions = {}): Promise<number> {
    return this.request('count', text, tokenizer, options).then((r) => r.count!);
  }

  /** Whether a text of this length goes to the worker. */
  usesWorker(length: number): boolean {
    return length > (this.options.threshold?.() ?? DEFAULT_WORKER_THRESHOLD) && this.workerAvailable();
  }

  dispose(): void {
    this.disposed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the tokenizer service was disposed'));
    this.inFlight?.reject(new Error('the tokenizer service was disposed'));
    this.inFlight = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private async request(op: WorkerOp, text: string, tokenizer: TokenizerName, options: RequestOptions) {
    if (this.disposed) throw new Error('the tokenizer service was disposed');
    const request: WorkerRequest = { seq: ++this.seq, op, text, tokenizer };
    if (options.key !== undefined) this.supersede(options.key);
    // Loading an encoding parses megabytes of merge ranks (~180 ms for o200k_base): never on this thread
    // when the worker can do it, so the first count after start-up does not block the extension host.
    const inline = !this.usesWorker(text.length) && (isTokenizerLoaded(tokenizer) || !this.workerAvailable());
    if (inline) {
      this.inlineRequests++;
      return unwrap(handleRequest(request));
    }
    const response = await new Promise<WorkerResponse>((resolve, reject) => {
      this.queue.push({ request, key: options.key, resolve, reject });
      this.pump();
    });
    return unwrap(response);
  }

  private supersede(key: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].key === key) this.queue.splice(i, 1)[0].reject(new SupersededError());
    }
  }

  private workerAvailable(): boolean {
    if (this.workerBroken || !this.options.workerPath) return false;
    if (!this.worker && !fs.existsSync(this.options.workerPath)) {
      this.workerBroken = true;
      this.workerProblem = `${this.options.workerPath} not found`;
      this.options.log?.(`Token worker ${path.basename(this.options.workerPath)} not found; tokenizing on the extension host.`);
      return false;
    }
    return true;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath!);
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.inFlight;
      if (!pending || pending.request.seq !== response.seq) return;
      this.inFlight = undefined;
      this.workerRequests++;
      pending.resolve(response);
      this.pump();
    });
    const fail = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.workerBroken = true;
      this.workerProblem = reason;
      this.options.log?.(`Token worker stopped (${reason}); tokenizing on the extension host from now on.`);
      // Whatever was waiting is answered inline rather than lost.
      const waiting = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
      this.inFlight = undefined;
      for (const pending of waiting) {
        this.inlineRequests++;
        pending.resolve(handleRequest(pending.request));
      }
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private pump(): void {
    if (this.inFlight || this.disposed) return;
    const next = this.queue.shift();
    if (!next) {
      this.worker?.unref(); // idle: never keep a process alive
      return;
    }
    if (!this.workerAvailable()) {
      this.inlineRequests++;
      next.resolve(handleRequest(next.request));
      this.pump();
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    this.inFlight = next;
    worker.postMessage(next.request);
  }
}

function unwrap(response: WorkerResponse): Extract<WorkerResponse, { ok: true }> {
  if (!response.ok) throw new Error(`Tokenizing failed: ${response.error}`);
  return response;
}

// ---- which tokenizer the setting means -------------------------------------------------------------------

/** The `lmExplorer.tokens.encoding` setting: a GPT encoding, or the trained model's own vocabulary. */
export type EncodingSetting = EncodingName | 'model';

export interface ResolvedEncoding {
  setting: EncodingSetting;
  /** The tokenizer that cuts the text. */
  tokenizer: TokenizerName;
  /** The model's vocabulary when `setting` is 'model' and a model exists: IDs are shown as model IDs. */
  vocab?: Vocabulary;
  /** How to name it to a person: "o200k_base", "model (o200k_base, 812 tokens)". */
  label: string;
  /** Set when 'model' was asked for and could not be used: what happened, to show once. */
  fallback?: string;
}

export const FALLBACK_ENCODING: EncodingName = 'o200k_base';

/** Reads `<modelDir>/vocab.json` on demand and keeps it while the file does not change. */
export class ModelVocabulary {
  private cached: { file: string; mtimeMs: number; size: number; vocab: Vocabulary } | undefined;

  constructor(private readonly modelDir: () => string | undefined) {}

  /** The vocabulary file's path, or undefined when there is no storage (no folder open). */
  file(): string | undefined {
    const dir = this.modelDir();
    return dir ? path.join(dir, 'vocab.json') : undefined;
  }

  /** The model's vocabulary; undefined when there is none; throws an Error saying why when it is unreadable. */
  async load(): Promise<Vocabulary | undefined> {
    const file = this.file();
    if (!file) return undefined;
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      this.cached = undefined;
      return undefined;
    }
    const c = this.cached;
    if (c && c.file === file && c.mtimeMs === stat.mtimeMs && c.size === stat.size) return c.vocab;
    let json: unknown;
    try {
      json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let vocab: Vocabulary;
    try {
      vocab = Vocabulary.fromJSON(json);
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.cached = { file, mtimeMs: stat.mtimeMs, size: stat.size, vocab };
    return vocab;
  }
}

/** What a setting means now: 'model' becomes the model's vocabulary, or o200k_base with a reason. */
export async function resolveEncoding(setting: EncodingSetting, model: ModelVocabulary): Promise<ResolvedEncoding> {
  if (setting !== 'model') return { setting, tokenizer: setting, label: setting };
  let vocab: Vocabulary | undefined;
  let reason: string;
  try {
    vocab = await model.load();
    reason = 'No trained model yet';
  } catch (error) {
    reason = `The trained model's vocabulary could not be read (${error instanceof Error ? error.message : String(error)})`;
  }
  if (vocab) {
    return { setting, tokenizer: vocab.tokenizer, vocab, label: `model (${vocab.tokenizer}, ${vocab.size} tokens)` };
  }
  return {
    setting,
    tokenizer: FALLBACK_ENCODING,
    label: FALLBACK_ENCODING,
    fallback: `${reason}: showing ${FALLBACK_ENCODING} tokens instead. Train a model first to see its own token IDs.`,
  };
}

// ---- showing counts --------------------------------------------------------------------------------------

function plural(n: number, one: string, many: string, format: (n: number) => string): string {
  return `${format(n)} ${n === 1 ? one : many}`;
}

/** "1,234 tokens · 210 words · 1,402 chars" (singular where the number is 1). */
export function formatCounts(stats: TextStats, format: (n: number) => string = (n) => n.toLocaleString('en-US')): string {
  return [
    plural(stats.tokens, 'token', 'tokens', format),
    plural(stats.words, 'word', 'words', format),
    plural(stats.chars, 'char', 'chars', format),
  ].join(' · ');
}
