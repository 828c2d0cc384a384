// The message protocol between the extension host and the engine worker (worker_threads).
// Both sides import this file and nothing else from each other, so every request's parameters,
// result and progress events are type-checked at both ends.
//
//   host → worker   { type: 'request', id, method, params }   start a request
//                   { type: 'cancel', id }                     cancel one in flight (AbortSignal in the worker)
//                   { type: 'shutdown' }                       cancel everything, let it finish (a training run
//                                                              saves its checkpoint), then exit
//   worker → host   { type: 'ready', backend }                 the worker loaded and is listening
//                   { type: 'event', id, event }               progress of request `id` (0..n per request)
//                   { type: 'result', id, result }             request `id` finished
//                   { type: 'error', id, error }               request `id` failed (WireError, never a stack for the user)
//                   { type: 'log', level, message }            a line for the output channel
//
// No `vscode` import here and no engine import at run time (types only): the file is bundled into
// both dist/extension.js and dist/worker.js and must stay small.

import type { BackendName } from '../../engine/backends/names';
import { UserError } from '../../engine/errors';
import type { SamplingOptions } from '../../engine/generate';
import type { GPT, GPTConfig, ModelKind, PositionalEncoding } from '../../engine/model';
import type { PresetName } from '../../engine/presets';
import type { TokenizerName } from '../../engine/tokenizer';
import type { MaskingRates } from '../../engine/mlm/masking';
import type { MaskingRowToken } from '../../engine/mlm/maskedObjective';
import type { VocabularyTokenizer } from '../../engine/vocab';
import { SAMPLING_REQUEST_NAMES, type SamplingRequests } from './samplingProtocol';
import type { CorpusSizes } from '../../engine/trainingRun';
import type { TrainingPlan } from '../../engine/trainingPlan';
import type { InspectAnswer, InspectRequest } from '../../engine/inspect/types';
import type { ModelTokenIds } from '../../features/tokens/core/modelTokenIds';

// ----------------------------------------------------------------------------------------------
// Shared value types

export type BackendSetting = BackendName;
export type { PresetName };
export type Positional = PositionalEncoding;

/** The model's shape. */
export type ModelConfigInfo = GPTConfig;

export type ParameterCounts = ReturnType<GPT['parameterCounts']>;

/** What the worker can say about the model it holds. */
export interface ModelInfo {
  config: ModelConfigInfo;
  parameters: ParameterCounts;
  tokenizer: VocabularyTokenizer;
  /** Optimiser steps taken so far (0 for a fresh model, or when the checkpoint has no training state). */
  step: number;
  /** Where the model was last loaded from or saved to, if anywhere. */
  dir?: string;
  /** The TensorFlow.js backend in use. */
  backend: string;
  /** The last validation loss measured, if any. */
  valLoss?: number;
  /**
   * The model kept for the features: the step with the lowest validation loss of its run, and that loss.
   * `step` above is this model's own step; Resume continues from the latest state, which may be later.
   */
  best?: BestModelInfo;
}

/** The lowest validation loss of a run so far, and the step whose weights produced it. */
export interface BestModelInfo {
  step: number;
  valLoss: number;
}

export interface EngineStatus {
  backend?: string;
  model?: ModelInfo;
  /** Ids of the requests the worker is running now, with their methods. */
  running: { id: number; method: RequestName }[];
  memory: { heapUsedMB: number; tensors?: number; bytesMB?: number };
}

// ----------------------------------------------------------------------------------------------
// train

/** How to build a new model; absent when resuming from the checkpoint in `checkpointDir`. */
export interface FreshModelSpec {
  /** 'auto': chosen from the corpus size (src/engine/trainingPlan.ts). */
  preset: PresetName | 'auto';
  /** 0: chosen from the corpus size. */
  contextLength: number;
  positional: Positional;
  tokenizer: TokenizerName;
  maxVocab?: number;
  /** A GPT token seen fewer times than this in the training part is spelled in bytes. */
  minCount?: number;
  /** Absent: a decoder. */
  kind?: ModelKind;
}

/**
 * The run's settings. Absent optional fields, and 0 where a field says so, take the engine's one set of
 * defaults (RUN_DEFAULTS in src/engine/runSettings.ts), sized to the corpus where they are `auto`.
 */
export interface TrainSettings {
  /** Total optimiser steps to reach (a resumed run continues from its step up to this); 0: auto. */
  steps: number;
  /** Stop after this many minutes even if `steps` is not reached (0 or absent: no limit). */
  maxMinutes?: number;
  /** 0: auto (by the model's size). */
  learningRate: number;
  batchSize: number;
  /** Dropout rate of the training steps (0 ≤ p < 1; 0: off; absent: the engine's default); validation and samples never use it. */
  dropout?: number;
  /** Measure validation loss every N steps; 0: auto. */
  evalInterval: number;
  /** Evaluations without a new best validation loss before training stops (0: never stops early). */
  patience?: number;
  weightDecay?: number;
  /** Save the checkpoint every N steps (and always on cancel and at the end). */
  checkpointInterval: number;
  /** Generate a sample from `samplePrompt` every N steps (0: never). */
  sampleInterval: number;
  samplePrompt: string;
  sampleTokens: number;
  seed: number;
  /** An encoder's masking rates (absent: the engine's defaults). */
  masking?: Partial<MaskingRates>;
}

export interface TrainParams {
  /** The documents' texts, in a fixed order (the corpus the host collected). */
  documents: string[];
  /** Build a new model, or (absent) resume the checkpoint in `checkpointDir`. */
  fresh?: FreshModelSpec;
  /** Where checkpoints are written (atomically), and where a resume reads from. */
  checkpointDir: string;
  settings: TrainSettings;
  backend: BackendSetting;
  /** Smallest interval between two `progress` events, ms (the final step is always sent). */
  progressIntervalMs?: number;
}

/** The corpus as the engine counted it; the byte counts are absent in histories saved before they were. */
export type CorpusInfo = Omit<CorpusSizes, 'trainBytes' | 'valBytes'> & Partial<Pick<CorpusSizes, 'trainBytes' | 'valBytes'>>;

/** What a training run was built with, and why: the engine's `auto` budget sizes the run to the corpus. */
export type TrainingPlanInfo = Pick<TrainingPlan, 'preset' | 'contextLength' | 'steps' | 'batchSize' | 'dropout' | 'patience' | 'reasons'>;

export interface TrainProgressEvent {
  kind: 'progress';
  step: number;
  steps: number;
  loss: number;
  valLoss?: number;
  lr: number;
  tokensPerSecond: number;
  elapsedMs: number;
  /** Estimated time to the end (steps or time limit, whichever is first). */
  remainingMs?: number;
  /** The best validation so far: the model that is kept. */
  best?: BestModelInfo;
  /** An encoder's accuracy at the masked positions of this step's batch. */
  accuracy?: number;
  /** An encoder's accuracy at the masked positions of the validation part (its fixed mask), when it evaluated. */
  valAccuracy?: number;
  /** An encoder's: one row of this step's batch, each position with what masking did to it. */
  masking?: MaskingRowToken[];
}

export type { MaskingRowToken, MaskingBranchName } from '../../engine/mlm/maskedObjective';

export type TrainEvent =
  | { kind: 'backend'; backend: string; tried: { backend: string; ok: boolean; reason: string }[] }
  | { kind: 'corpus'; corpus: CorpusInfo }
  | { kind: 'model'; model: ModelInfo; resumedFrom?: number }
  | TrainProgressEvent
  | { kind: 'plan'; plan: TrainingPlanInfo }
  | {
      kind: 'sample';
      step: number;
      prompt: string;
      text: string;
      /** The longest run of the sample's tokens found verbatim in the training text, when it is 8 tokens or more. */
      copied?: { tokens: number; text: string };
    }
  /** Validation improved and the kept model was saved. */
  | { kind: 'best'; step: number; valLoss: number; dir: string }
  | { kind: 'checkpoint'; step: number; dir: string };

export interface TrainResult {
  /** The step the model reached. */
  step: number;
  steps: number;
  /** 'early-stop': validation stopped improving (patience); 'diverged': the loss became NaN or infinite. */
  stoppedBy: 'steps' | 'time' | 'cancel' | 'early-stop' | 'diverged';
  /** One line for a person on why the run ended and which model was kept, e.g. "Stopped at step 640: …". */
  message?: string;
  best?: BestModelInfo;
  loss?: number;
  valLoss?: number;
  elapsedMs: number;
  checkpointDir: string;
  model: ModelInfo;
}

// ----------------------------------------------------------------------------------------------
// the model's questions, for the other features

/** One token of the text as the model sees it: its IDs (see modelTokenIds.ts) and how to show it. */
export interface ModelToken extends ModelTokenIds {
  /** Display text for the token: its text, or for a byte piece its byte in hex (<C5>); '<unk>' only in old models. */
  label: string;
}

export interface AttentionParams {
  text: string;
  /** Keep the last N tokens (default and upper bound: the model's context length). */
  maxTokens?: number;
  /**
   * Return the maps packed into `weights` (one Float32Array, cheap to pass between threads) and leave
   * `attention` empty: the attention panel's way; nested arrays are slow to clone between threads.
   */
  packed?: boolean;
}

export interface AttentionResult {
  tokens: ModelToken[];
  /** attention[layer][head][query][key], rows sum to 1, zero above the diagonal. */
  attention: number[][][][];
  /** True when the text was longer than the context and only its end was used. */
  truncated: boolean;
  /** Where each of `tokens` lies in `text`: UTF-16 offsets [start, end) (an empty text's <sep>: 0, 0). */
  offsets: { start: number; end: number }[];
  /** Tokens in the whole text, before the cut to the context (= tokens.length when not truncated). */
  totalTokens: number;
  /** With `packed`: weights[((layer * nHead + head) * T + query) * T + key], T = tokens.length. */
  weights?: Float32Array;
  nLayer?: number;
  nHead?: number;
}

/** A model read from a folder beside the workspace model: what the compare page says of it. */
export type FolderModelInfo = Pick<ModelInfo, 'config' | 'tokenizer' | 'step'> & { dir: string };

export interface FolderAttentionParams extends AttentionParams {
  /** A checkpoint folder (the worker keeps its model until another folder is asked for, or folderRelease). */
  dir: string;
  /** The kind the folder must hold: another kind is a 'user' error naming both. */
  kind?: ModelKind;
  backend: BackendSetting;
}

export type FolderAttentionResult = AttentionResult & { model: FolderModelInfo };

/** generate()'s options, as the worker passes them on (it adds the request's own abort signal). */
export type CompleteSampling = Omit<SamplingOptions, 'signal' | 'returnLogits'>;

export interface CompleteParams {
  prompt: string;
  sampling: CompleteSampling;
  /**
   * Keep at most this many prompt tokens (default and upper bound: the context length). Inline completions
   * leave room for the new tokens, so that the KV cache never has to slide (see src/engine/generate.ts).
   */
  maxPromptTokens?: number;
}

export interface CompleteResult {
  text: string;
  /** Tokens generated. */
  tokens: number;
  promptTokens: number;
}

export interface NextTokensParams {
  text: string;
  topN?: number;
}

export interface FillParams {
  /** The text around the selection (a copy: the document is not changed). */
  text: string;
  /** The selection in `text`, as UTF-16 offsets: its tokens become [MASK]s. */
  start: number;
  end: number;
  topN?: number;
}

export interface FillResult {
  /** The tokens the model saw, [MASK]s included (at most the context length). */
  context: ModelToken[];
  /** How many [MASK]s stand for the selection: one per token of it. */
  masks: number;
  /** The range of `text` the masks replace (the selection, with the space before it when a token carries it). */
  replaceStart: number;
  replaceEnd: number;
  candidates: { text: string; labels: string[]; prob: number; steps: number[] }[];
}

export interface NextTokensResult {
  /** The tokens the distribution is conditioned on (the end of the text, at most the context length). */
  context: ModelToken[];
  candidates: (ModelToken & { prob: number })[];
}

export type InspectParams = InspectRequest;

export interface InspectResult {
  answer: InspectAnswer<ModelToken>;
  /** The worker's own time for it: reading the tables and computing the answer. */
  workerMs: number;
}

// ----------------------------------------------------------------------------------------------
// The request map: one entry per method. `event: never` for methods that send no events.

export interface EngineRequests extends SamplingRequests {
  /** What the worker holds; never fails. */
  status: { params: Record<string, never>; result: EngineStatus; event: never };
  /** Load a checkpoint folder. On failure the current model stays (CheckpointError message). */
  load: { params: { dir: string; backend: BackendSetting }; result: ModelInfo; event: never };
  /** Save the current model (with its training state) to a folder, atomically. */
  save: { params: { dir: string }; result: ModelInfo; event: never };
  /** Write the current model as a Hugging Face transformers folder (src/engine/hf/exportHf.ts); the files written. */
  exportHf: { params: { dir: string }; result: { files: string[] }; event: never };
  /** Drop the model the worker holds. */
  unload: { params: Record<string, never>; result: { unloaded: boolean }; event: never };
  train: { params: TrainParams; result: TrainResult; event: TrainEvent };
  attention: { params: AttentionParams; result: AttentionResult; event: never };
  /** The attention of a text through the model of a checkpoint folder, held beside the workspace model (Compare Causal and Bidirectional). */
  folderAttention: { params: FolderAttentionParams; result: FolderAttentionResult; event: never };
  /** Drops the folder model of folderAttention (its tensors). */
  folderRelease: { params: Record<string, never>; result: { released: boolean }; event: never };
  complete: { params: CompleteParams; result: CompleteResult; event: never };
  nextTokens: { params: NextTokensParams; result: NextTokensResult; event: never };
  /** An encoder fills the selection's tokens, masked ([MASK]), one token at a time, left to right. */
  fill: { params: FillParams; result: FillResult; event: never };
  /** For tests of crash recovery: the worker dies ('throw': uncaught exception, 'exit': process.exit(7)). */
  /** One view of the Model Inspector (src/engine/inspect), computed from the model's tables. */
  inspect: { params: InspectParams; result: InspectResult; event: never };
  crash: { params: { mode: 'throw' | 'exit' }; result: never; event: never };
}

export type RequestName = keyof EngineRequests;
export type RequestParams<M extends RequestName> = EngineRequests[M]['params'];
export type RequestResult<M extends RequestName> = EngineRequests[M]['result'];
export type RequestEvent<M extends RequestName> = EngineRequests[M]['event'];

export const REQUEST_NAMES: readonly RequestName[] = [
  'status',
  'load',
  'save',
  'exportHf',
  'unload',
  'train',
  'attention',
  'folderAttention',
  'folderRelease',
  'complete',
  'nextTokens',
  'fill',
  'inspect',
  ...SAMPLING_REQUEST_NAMES,
  'crash',
];

/** Methods that need a model in the worker (the client loads the workspace model first when it has one). */
export const MODEL_REQUESTS: readonly RequestName[] = ['save', 'exportHf', 'attention', 'complete', 'nextTokens', 'fill', 'inspect', ...SAMPLING_REQUEST_NAMES.filter((name) => name !== 'samplingClose')];

// ----------------------------------------------------------------------------------------------
// Wire messages

export type RequestMessage<M extends RequestName = RequestName> = {
  [K in M]: { type: 'request'; id: number; method: K; params: RequestParams<K> };
}[M];

export type HostToWorker = RequestMessage | { type: 'cancel'; id: number } | { type: 'shutdown' };

export type ErrorCode =
  /** The request was cancelled. */
  | 'cancelled'
  /** The method needs a model and the worker has none. */
  | 'no-model'
  /** A checkpoint folder is missing files or holds bad ones; the message names the file. */
  | 'checkpoint'
  /** Something the user can fix (the engine's UserError: corpus too small, …); the message says what. */
  | 'user'
  /** The request's parameters are wrong (a bug in the caller). */
  | 'bad-request'
  /** Another request holds what this one needs (e.g. a second `train`). */
  | 'busy'
  /** The worker died while the request was in flight. */
  | 'worker-died'
  | 'internal';

export interface WireError {
  code: ErrorCode;
  message: string;
  /** For the output channel only (a stack), never shown in a notification. */
  detail?: string;
}

export type WorkerToHost =
  | { type: 'ready'; pid: number }
  | { type: 'event'; id: number; event: unknown }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Typed view of an event message for method M (the host knows the method from the id). */
export type EventMessage<M extends RequestName> = { type: 'event'; id: number; event: RequestEvent<M> };
export type ResultMessage<M extends RequestName> = { type: 'result'; id: number; result: RequestResult<M> };

// ----------------------------------------------------------------------------------------------
// Helpers both sides use

/** An error with a protocol code; what the client rejects with and what the worker throws. */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }

  static fromWire(error: WireError): EngineError {
    return new EngineError(error.code, error.message, error.detail);
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof EngineError ? error.code === 'cancelled' : (error as { name?: string })?.name === 'AbortError';
}

/** Any thrown value → a WireError (the engine's CheckpointError keeps its file-naming message). */
export function toWireError(error: unknown): WireError {
  if (error instanceof EngineError) return error.toWire();
  const e = error as { name?: string; message?: string; stack?: string } | undefined;
  if (e?.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
  if (e?.name === 'CheckpointError') return { code: 'checkpoint', message: String(e.message), detail: e.stack };
  if (error instanceof UserError || e?.name === 'UserError') return { code: 'user', message: String(e?.message) };
  const message = e?.message ?? String(error);
  return { code: 'internal', message, ...(e?.stack ? { detail: e.stack } : {}) };
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && (REQUEST_NAMES as readonly string[]).includes(name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural check of a message the worker received (the worker rejects anything else). */
export function isHostToWorker(message: unknown): message is HostToWorker {
  if (!isRecord(message)) return false;
  if (message.type === 'shutdown') return true;
  if (!Number.isInteger(message.id)) return false;
  if (message.type === 'cancel') return true;
  return message.type === 'request' && isRequestName(message.method) && isRecord(message.params);
}

/** Structural check of a message the host received. */
export function isWorkerToHost(message: unknown): message is WorkerToHost {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'ready':
      return typeof message.pid === 'number';
    case 'event':
    case 'result':
      return Number.isInteger(message.id);
    case 'error':
      return Number.isInteger(message.id) && isRecord(message.error) && typeof message.error.message === 'string';
    case 'log':
      return typeof message.message === 'string';
    default:
      return false;
  }
}

/** Builds a request message with the params type checked against the method. */
export function requestMessage<M extends RequestName>(id: number, method: M, params: RequestParams<M>): HostToWorker {
  return { type: 'request', id, method, params } as HostToWorker;
}

/**
 * Estimated time left in a training run: by steps at the current pace, capped by the time limit.
 * Undefined until there is a pace to go by.
 */
export function estimateRemainingMs(
  step: number,
  steps: number,
  elapsedMs: number,
  maxMinutes?: number,
  startStep = 0,
): number | undefined {
  const done = step - startStep;
  const byTime = maxMinutes && maxMinutes > 0 ? Math.max(0, maxMinutes * 60_000 - elapsedMs) : undefined;
  if (done <= 0 || elapsedMs <= 0) return byTime;
  const bySteps = Math.max(0, ((steps - step) * elapsedMs) / done);
  return byTime === undefined ? bySteps : Math.min(bySteps, byTime);
}

/** What the engine worker is started with (worker_threads' workerData). */
export interface EngineWorkerData {
  /** The display language of the engine's texts; English when not given. */
  language?: string;
}
