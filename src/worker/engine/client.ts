// The extension host's side of the engine worker: starts dist/worker.js on the first request, sends typed
// requests (src/worker/engine/protocol.ts), routes progress events and results back, cancels by id, and notices
// when the worker dies — every request in flight is rejected with the reason, the owner is told (the
// extension shows it), and the next request starts a fresh worker.
//
// No `vscode` import: the unit tests drive this class with a real worker in plain Node.

import * as l10n from '@vscode/l10n';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { ModelKind } from '../../engine/model';
import { CHECKPOINT_FILES, isLeftoverName } from '../../engine/modelFolder';
import {
  EngineError,
  isWorkerToHost,
  MODEL_REQUESTS,
  requestMessage,
  type BackendSetting,
  type EngineWorkerData,
  type HostToWorker,
  type ModelInfo,
  type RequestEvent,
  type RequestName,
  type RequestParams,
  type RequestResult,
  type WorkerToHost,
} from './protocol';

/** How long a worker asked to stop may take (the worker itself waits up to 4 s for its requests) before it is terminated. */
const STOP_GRACE_MS = 5000;

/** The part of vscode.CancellationToken used here (so a token can be passed as is). */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

export interface RequestOptions<M extends RequestName> {
  onEvent?: (event: RequestEvent<M>) => void;
  /** Cancel with an AbortSignal or a VS Code CancellationToken. */
  signal?: AbortSignal;
  token?: CancellationTokenLike;
  /**
   * On cancel, keep waiting for the worker's answer (a cancelled `train` still saves its checkpoint and
   * returns its result). Default: true for `train`, false otherwise (reject at once with 'cancelled').
   */
  awaitWorkerOnCancel?: boolean;
}

export interface WorkerDeath {
  reason: string;
  /** Methods of the requests that were in flight. */
  inFlight: RequestName[];
  exitCode?: number;
}

export interface EngineClientOptions {
  /** dist/worker.js, or a .ts file (run through scripts/ts-register.js: unit tests). */
  workerPath: string;
  /** The workspace model's folder: loaded before a request that needs a model when the worker has none. */
  modelDir?: () => string | undefined;
  backend?: () => BackendSetting;
  log?: (line: string) => void;
  /** Called once per unexpected worker death, after the requests in flight were rejected. */
  onWorkerDeath?: (death: WorkerDeath) => void;
  /** Heap limit for the worker (MB). */
  maxOldGenerationSizeMb?: number;
  /** The display language of the engine's texts (plans, outcomes, errors); English when not given. */
  language?: string;
}

interface Pending {
  method: RequestName;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  onEvent?: (event: unknown) => void;
  cleanup(): void;
}

type Listener<T> = (value: T) => void;

/**
 * True when a folder looks like an LM Explorer checkpoint (the engine validates it properly on load).
 * The engine's atomic save swaps DIR with DIR.tmp-* / DIR.old-* siblings; for a moment only those exist.
 */
export function hasCheckpoint(dir: string | undefined): dir is string {
  if (!dir) return false;
  if (fs.existsSync(path.join(dir, CHECKPOINT_FILES.config))) return true;
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  try {
    return fs
      .readdirSync(parent)
      .some((name) => isLeftoverName(name, base) && fs.existsSync(path.join(parent, name, CHECKPOINT_FILES.config)));
  } catch {
    return false;
  }
}

/**
 * The kind of the model in a checkpoint folder, from its config.json (a model without a kind, a GPT-2 folder
 * among them, is a decoder); undefined when the folder holds no readable config.json.
 */
export function checkpointKind(dir: string | undefined): ModelKind | undefined {
  if (!dir) return undefined;
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_FILES.config), 'utf8')) as { model?: { kind?: unknown } } | null;
    return config?.model?.kind === 'encoder' ? 'encoder' : 'decoder';
  } catch {
    return undefined;
  }
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = new WeakSet<Worker>();
  private model: ModelInfo | undefined;
  private loading: Promise<ModelInfo | undefined> | undefined;
  private disposed = false;
  private starts = 0;
  private readonly modelListeners = new Set<Listener<ModelInfo | undefined>>();
  private readonly deathListeners = new Set<Listener<WorkerDeath>>();

  constructor(private readonly options: EngineClientOptions) {}

  /** Whether a worker is running now. */
  get isRunning(): boolean {
    return this.worker !== undefined;
  }

  /** How many workers were started so far (tests check that a crash leads to a fresh one). */
  get workerStarts(): number {
    return this.starts;
  }

  /** The model the worker holds, as of its last answer. */
  get currentModel(): ModelInfo | undefined {
    return this.model;
  }

  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  onDidChangeModel(listener: Listener<ModelInfo | undefined>): { dispose(): void } {
    this.modelListeners.add(listener);
    return { dispose: () => this.modelListeners.delete(listener) };
  }

  onDidWorkerDie(listener: Listener<WorkerDeath>): { dispose(): void } {
    this.deathListeners.add(listener);
    return { dispose: () => this.deathListeners.delete(listener) };
  }

  /**
   * Sends one request. Resolves with its result; rejects with an EngineError ('cancelled', 'no-model',
   * 'checkpoint', 'worker-died', …). Requests that need a model first load the workspace model if the
   * worker holds none.
   */
  async request<M extends RequestName>(method: M, params: RequestParams<M>, options: RequestOptions<M> = {}): Promise<RequestResult<M>> {
    if (this.disposed) throw new EngineError('worker-died', l10n.t('The LM Explorer engine was shut down.'));
    if (MODEL_REQUESTS.includes(method) && !this.model) await this.ensureModel();
    return this.send(method, params, options);
  }

  /** Loads the workspace model into the worker if there is one and the worker holds none. */
  async ensureModel(): Promise<ModelInfo | undefined> {
    if (this.model) return this.model;
    const dir = this.options.modelDir?.();
    if (!hasCheckpoint(dir)) return undefined;
    if (!this.loading) {
      this.loading = this.send('load', { dir, backend: this.options.backend?.() ?? 'auto' }, {})
        .catch((error) => {
          this.log(`Could not load the workspace model from ${dir}: ${(error as Error).message}`);
          return undefined;
        })
        .finally(() => (this.loading = undefined));
    }
    return this.loading;
  }

  /** Stops the worker (requests in flight are rejected); the next request starts a new one. */
  async restart(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping.add(worker);
    this.detach(worker, 'The engine was restarted.');
    await this.stop(worker);
  }

  dispose(): void {
    this.disposed = true;
    const worker = this.worker;
    if (worker) {
      this.stopping.add(worker);
      this.detach(worker, 'The LM Explorer engine was shut down.');
      void this.stop(worker);
    }
    this.modelListeners.clear();
    this.deathListeners.clear();
  }

  private send<M extends RequestName>(method: M, params: RequestParams<M>, options: RequestOptions<M>): Promise<RequestResult<M>> {
    const worker = this.start();
    const id = this.nextId++;
    const awaitWorker = options.awaitWorkerOnCancel ?? method === 'train';
    return new Promise<RequestResult<M>>((resolve, reject) => {
      const disposables: { dispose(): unknown }[] = [];
      const cancel = () => {
        if (!this.pending.has(id)) return;
        this.post(worker, { type: 'cancel', id });
        if (!awaitWorker) {
          const entry = this.pending.get(id)!;
          this.pending.delete(id);
          entry.cleanup();
          reject(new EngineError('cancelled', 'Cancelled.'));
        }
      };
      const entry: Pending = {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        onEvent: options.onEvent as ((event: unknown) => void) | undefined,
        cleanup: () => disposables.forEach((d) => d.dispose()),
      };
      this.pending.set(id, entry);
      if (options.signal) {
        const signal = options.signal;
        signal.addEventListener('abort', cancel);
        disposables.push({ dispose: () => signal.removeEventListener('abort', cancel) });
      }
      if (options.token) disposables.push(options.token.onCancellationRequested(cancel));
      this.post(worker, requestMessage(id, method, params));
      if (options.signal?.aborted || options.token?.isCancellationRequested) cancel();
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const file = this.options.workerPath;
    const workerData: EngineWorkerData = { language: this.options.language };
    const limits = {
      workerData,
      ...(this.options.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb } } : {}),
    };
    let worker: Worker;
    if (file.endsWith('.ts')) {
      const register = path.join(__dirname, '..', '..', '..', 'scripts', 'ts-register.js');
      const code = `require(${JSON.stringify(register)}); require(${JSON.stringify(file)});`;
      worker = new Worker(code, { eval: true, ...limits });
    } else {
      worker = new Worker(file, limits);
    }
    this.worker = worker;
    this.starts++;
    this.log(`Engine worker started (thread ${worker.threadId}).`);
    let lastError: Error | undefined;
    worker.on('message', (message: unknown) => this.onMessage(worker, message));
    worker.on('error', (error: Error) => {
      lastError = error;
    });
    worker.on('messageerror', (error: Error) => this.log(`Engine message could not be read: ${error.message}`));
    worker.on('exit', (code: number) => {
      if (this.stopping.has(worker) || this.worker !== worker) return;
      const reason = describeDeath(lastError, code);
      const inFlight = [...this.pending.values()].map((p) => p.method);
      this.log(`Engine worker stopped: ${reason}${lastError?.stack ? `\n${lastError.stack}` : ''}`);
      this.detach(worker, l10n.t('The LM Explorer engine stopped: {0}', reason));
      const death: WorkerDeath = { reason, inFlight, exitCode: code };
      this.options.onWorkerDeath?.(death);
      for (const listener of [...this.deathListeners]) listener(death);
    });
    return worker;
  }

  /** Forgets a worker: rejects what it had in flight and drops the model it held. */
  private detach(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const error = new EngineError('worker-died', message);
    for (const [id, entry] of [...this.pending]) {
      this.pending.delete(id);
      entry.cleanup();
      entry.reject(error);
    }
    this.setModel(undefined);
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (this.worker !== worker) return;
    if (!isWorkerToHost(message)) {
      this.log(`Engine sent a message that is not in the protocol: ${safeJson(message)}`);
      return;
    }
    const msg = message as WorkerToHost;
    switch (msg.type) {
      case 'ready':
        return;
      case 'log':
        this.log(msg.message);
        return;
      case 'event': {
        const entry = this.pending.get(msg.id);
        try {
          entry?.onEvent?.(msg.event);
        } catch (error) {
          this.log(`An engine event handler failed: ${(error as Error).stack ?? error}`);
        }
        trackModelEvent(msg.event, (model) => this.setModel(model));
        return;
      }
      case 'result': {
        const entry = this.pending.get(msg.id);
        if (entry) {
          this.pending.delete(msg.id);
          entry.cleanup();
        }
        this.trackResult(entry?.method, msg.result);
        entry?.resolve(msg.result);
        return;
      }
      case 'error': {
        const entry = this.pending.get(msg.id);
        if (!entry) return;
        this.pending.delete(msg.id);
        entry.cleanup();
        if (msg.error.detail && msg.error.code === 'internal') this.log(`Engine error in ${entry.method}: ${msg.error.detail}`);
        entry.reject(EngineError.fromWire(msg.error));
        return;
      }
    }
  }

  private trackResult(method: RequestName | undefined, result: unknown): void {
    switch (method) {
      case 'load':
      case 'save':
        this.setModel(result as ModelInfo);
        break;
      case 'train':
        this.setModel((result as RequestResult<'train'>).model);
        break;
      case 'unload':
        this.setModel(undefined);
        break;
      case 'status':
        this.setModel((result as RequestResult<'status'>).model);
        break;
    }
  }

  private setModel(model: ModelInfo | undefined): void {
    if (this.model === model) return;
    this.model = model;
    for (const listener of [...this.modelListeners]) listener(model);
  }

  /**
   * Asks the worker to cancel its requests and exit by itself; terminates it only if it has not done so in
   * time. Terminating a worker in the middle of a WebGPU (Dawn) call aborts the whole process, and a
   * cancelled training run saves its checkpoint before the worker exits.
   */
  private async stop(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    try {
      this.post(worker, { type: 'shutdown' });
    } catch {
      void worker.terminate(); // the worker is already gone
    }
    await exited;
    clearTimeout(timer);
  }

  private post(worker: Worker, message: HostToWorker): void {
    worker.postMessage(message);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function trackModelEvent(event: unknown, set: (model: ModelInfo) => void): void {
  const e = event as { kind?: string; model?: ModelInfo };
  if (e && e.kind === 'model' && e.model) set(e.model);
}

/** One line for the user: why the worker stopped. */
export function describeDeath(error: Error | undefined, exitCode: number | undefined): string {
  if (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of memory (try a smaller model preset or batch size)';
    const first = String(error.message || error.name).split(/\r?\n/)[0];
    return `${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${first}`;
  }
  return `it exited with code ${exitCode ?? 'unknown'}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value);
  }
}
