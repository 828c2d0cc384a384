// Tokenizing for the editor features, off the extension host's thread when the text is large.
//
// Small texts (up to `threshold` UTF-16 units, 64 KiB by default) are tokenized inline: a worker round trip
// would cost more than the work. Larger ones go to one worker_threads worker (dist/tokenWorker.js), so that a
// 1 MB document never blocks the host that every other extension shares. Requests carry an optional key;
// a newer request with the same key supersedes an older one that has not started (the status bar asks on
// every selection change and only the latest answer matters).
//
// An imported model's tokenizer (an HfTokenizer, built on this thread from the model's vocab.json) is
// inline what it is; the worker is sent its tokenizer.json once (loadTokenizer, under a key made here), just
// before the first request of it that goes there, and then gets only the key.
//
// No `vscode` import: the benchmark and the unit tests load this file too.

import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { isTokenizerLoaded } from '../../engine/tokenizer';
import type { HfTokenizer } from '../../engine/hf/hfTokenizer';
import type { TextStats, TextTokenizer, TokenTable } from '../../features/tokens/core/tokenTable';
import { handleRequest, type TokenizerSource } from './handleRequest';
import { MAX_LOADED_TOKENIZERS, type TokenizerRef, type WorkerOp, type WorkerRequest, type WorkerResponse } from './protocol';

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
  /** What the request names, to answer it inline should the worker stop. */
  tokenizer?: TextTokenizer;
  key?: string;
  resolve(response: WorkerResponse): void;
  reject(error: unknown): void;
}

export const DEFAULT_WORKER_THRESHOLD = 64 * 1024;

/** A request's own tokenizer, for the inline path: the one it names (a load has nothing to do here). */
function ownTokenizer(tokenizer: TextTokenizer | undefined): TokenizerSource {
  return {
    tokenizer: (ref) => (typeof ref === 'string' ? ref : tokenizer!),
    load: () => undefined,
  };
}

export class TokenizeService {
  private worker: Worker | undefined;
  private workerBroken = false;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private seq = 0;
  private disposed = false;
  /** Keys of the imported tokenizers this service has seen, and of those the worker holds (oldest first). */
  private readonly keys = new WeakMap<HfTokenizer, string>();
  private readonly workerKeys: string[] = [];
  /** How many requests the worker has answered (the integration tests check large texts go there). */
  workerRequests = 0;
  inlineRequests = 0;
  /** Why the worker is not used, once it is not (missing file, crash). */
  workerProblem: string | undefined;

  constructor(private readonly options: TokenizeServiceOptions = {}) {}

  tokenize(text: string, tokenizer: TextTokenizer, options: RequestOptions = {}): Promise<TokenTable> {
    return this.request('tokenize', text, tokenizer, options).then((r) => r.table!);
  }

  stats(text: string, tokenizer: TextTokenizer, options: RequestOptions = {}): Promise<TextStats> {
    return this.request('stats', text, tokenizer, options).then((r) => r.stats!);
  }

  count(text: string, tokenizer: TextTokenizer, options: RequestOptions = {}): Promise<number> {
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

  private async request(op: WorkerOp, text: string, tokenizer: TextTokenizer, options: RequestOptions) {
    if (this.disposed) throw new Error('the tokenizer service was disposed');
    const ref = this.refOf(tokenizer);
    const request: WorkerRequest = { seq: ++this.seq, op, text, tokenizer: ref };
    if (options.key !== undefined) this.supersede(options.key);
    // Loading an encoding parses megabytes of merge ranks: never on this thread
    // when the worker can do it, so the first count after start-up does not block the extension host.
    // An imported tokenizer is built here already (it came with the model's vocabulary).
    const inline = !this.usesWorker(text.length) && (typeof tokenizer !== 'string' || isTokenizerLoaded(tokenizer) || !this.workerAvailable());
    if (inline) {
      this.inlineRequests++;
      return unwrap(handleRequest(request, ownTokenizer(tokenizer)));
    }
    if (typeof tokenizer !== 'string' && typeof ref !== 'string') this.sendTokenizer(ref.hf, tokenizer);
    const response = await new Promise<WorkerResponse>((resolve, reject) => {
      this.queue.push({ request, tokenizer, key: options.key, resolve, reject });
      this.pump();
    });
    return unwrap(response);
  }

  /** How a request names the tokenizer: by name, or an imported one by the key this service gave it. */
  private refOf(tokenizer: TextTokenizer): TokenizerRef {
    if (typeof tokenizer === 'string') return tokenizer;
    let key = this.keys.get(tokenizer);
    if (key === undefined) this.keys.set(tokenizer, (key = `hf-${++this.seq}`));
    return { hf: key };
  }

  /** Queues the tokenizer.json of `key` for the worker unless it holds it (the worker keeps as many, the same way). */
  private sendTokenizer(key: string, tokenizer: HfTokenizer): void {
    if (this.workerKeys.includes(key)) return;
    this.workerKeys.push(key);
    if (this.workerKeys.length > MAX_LOADED_TOKENIZERS) this.workerKeys.shift();
    const request: WorkerRequest = { seq: ++this.seq, op: 'loadTokenizer', key, json: tokenizer.json, config: tokenizer.config };
    const forget = () => {
      const at = this.workerKeys.indexOf(key);
      if (at >= 0) this.workerKeys.splice(at, 1);
    };
    // The requests after it say what went wrong, if anything: they find no tokenizer of this key.
    this.queue.push({ request, tokenizer, resolve: (response) => response.ok || forget(), reject: forget });
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
      if (pending.request.op !== 'loadTokenizer') this.workerRequests++;
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
      this.workerKeys.length = 0;
      for (const pending of waiting) {
        if (pending.request.op !== 'loadTokenizer') this.inlineRequests++;
        pending.resolve(handleRequest(pending.request, ownTokenizer(pending.tokenizer)));
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
      if (next.request.op !== 'loadTokenizer') this.inlineRequests++;
      next.resolve(handleRequest(next.request, ownTokenizer(next.tokenizer)));
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
