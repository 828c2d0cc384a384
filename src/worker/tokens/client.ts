// Tokenizing for the editor features, off the extension host's thread when the text is large.
//
// Small texts (up to `threshold` UTF-16 units, 64 KiB by default) are tokenized inline: a worker round trip
// would cost more than the work. Larger ones go to one worker_threads worker (dist/tokenWorker.js), so that a
// 1 MB document never blocks the host that every other extension shares. Requests carry an optional key;
// a newer request with the same key supersedes an older one that has not started (the status bar asks on
// every selection change and only the latest answer matters).
//
// No `vscode` import: the benchmark and the unit tests load this file too.

import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { isTokenizerLoaded, type TokenizerName } from '../../engine/tokenizer';
import type { TextStats, TokenTable } from '../../features/tokens/core/tokenTable';
import { handleRequest } from './handleRequest';
import type { WorkerOp, WorkerRequest, WorkerResponse } from './protocol';

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
    // Loading an encoding parses megabytes of merge ranks: never on this thread
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
