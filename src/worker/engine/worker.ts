// The engine worker (worker_threads): holds the model and runs everything TensorFlow.js does for the
// extension — training, attention maps, completions, next-token probabilities — off the extension
// host's thread. It speaks only the protocol in ./protocol.ts.
//
// Requests run concurrently (each is an async handler; TensorFlow.js ops are synchronous, so requests
// interleave between ops and between training steps). One `train` at a time. The training loop yields to
// the event loop after every step, so a `cancel` or an `attention` request is answered within a step.

import * as fs from 'fs';
import * as os from 'os';
import { exportHfFolder } from '../../engine/hf/exportHf';
import { useLanguage } from '../../l10n/node';
import { parentPort, workerData } from 'worker_threads';
import {
  buildTrainingRun,
  CopyDetector,
  generate,
  hexBytes,
  GPT,
  initBackend,
  loadCheckpoint,
  nextTokenDistribution,
  readCheckpointWeights,
  runTraining,
  saveCheckpoint,
  tokenPieces,
  Vocabulary,
  type BestValidation,
  type KeptWeights,
  type RunSettings,
  type TrainerState,
  type TrainingRun,
  UserError,
} from '../../engine/index';
import { fillMasks, maskSelection, windowAround } from '../../engine/mlm/fill';
import { maskingRow } from '../../engine/mlm/maskedObjective';
import {
  EngineError,
  estimateRemainingMs,
  isHostToWorker,
  toWireError,
  type BackendSetting,
  type HostToWorker,
  type ModelInfo,
  type ModelToken,
  type RequestEvent,
  type RequestName,
  type RequestParams,
  type RequestResult,
  type TrainParams,
  type TrainResult,
  type WorkerToHost,
  type EngineWorkerData,
} from './protocol';
import { answerInspect } from './inspect';
import { FolderModels, modelAttention } from './folderAttention';
import { samplingHandlers } from './samplingHandlers';

const port = parentPort;
if (!port) throw new Error('engineWorker.ts runs as a worker_threads worker');
// the engine's texts (plans, outcomes, errors) in the host's display language, from the same bundle
useLanguage((workerData as EngineWorkerData | undefined)?.language);

interface Held {
  /** The kept model (the features use it). */
  model: GPT;
  vocab: Vocabulary;
  /** The latest training state, for Resume. */
  state?: TrainerState;
  dir?: string;
  valLoss?: number;
  /** The kept model's step and validation loss. */
  best?: BestValidation;
  /** The latest step's weights, when training went on past the kept model (saved beside it). */
  latestWeights?: Map<string, Float32Array>;
}

let held: Held | undefined;
/** The backend the worker took, and why it passed the others over (sent with every training run). */
let backend: { requested: BackendSetting; name: string; tried: { backend: string; ok: boolean; reason: string }[] } | undefined;
let training: number | undefined;
const running = new Map<number, { method: RequestName; controller: AbortController }>();

function post(message: WorkerToHost): void {
  port!.postMessage(message);
}

function log(message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  post({ type: 'log', level, message });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function ensureBackend(requested: BackendSetting): Promise<{ name: string; tried: { backend: string; ok: boolean; reason: string }[] }> {
  if (backend && (backend.requested === requested || requested === 'auto')) return { name: backend.name, tried: backend.tried };
  const report = await initBackend(requested);
  backend = { requested, name: report.name, tried: report.tried };
  const failed = report.tried.filter((t) => !t.ok);
  log(`TensorFlow.js backend: ${report.name}${failed.length ? ` (not available: ${failed.map((t) => `${t.backend}: ${t.reason}`).join('; ')})` : ''}`);
  return report;
}

function modelInfo(h: Held): ModelInfo {
  const c = h.model.config;
  return {
    config: { vocabSize: c.vocabSize, contextLength: c.contextLength, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, positional: c.positional, ...(c.kind ? { kind: c.kind } : {}) },
    parameters: h.model.parameterCounts(),
    tokenizer: h.vocab.tokenizer,
    // The model's own step: the kept model's when training went on past it.
    step: h.best && h.latestWeights ? h.best.step : (h.state?.step ?? 0),
    ...(h.dir ? { dir: h.dir } : {}),
    backend: backend?.name ?? 'unknown',
    ...(h.valLoss !== undefined ? { valLoss: h.valLoss } : {}),
    ...(h.best ? { best: { ...h.best } } : {}),
  };
}

function requireModel(): Held {
  if (!held) throw new EngineError('no-model', 'There is no model yet: run "LM Explorer: Train Model on Workspace" or "LM Explorer: Load Model…".');
  return held;
}

function replaceHeld(next: Held | undefined): void {
  const previous = held;
  held = next;
  if (previous && previous.model !== next?.model) previous.model.dispose();
}

/** Model IDs of a text, the last `max` of them; an empty text is the start of a document (<sep>). */
function contextIds(vocab: Vocabulary, text: string, max: number): { ids: number[]; truncated: boolean } {
  let ids = text ? vocab.encode(text) : [];
  if (ids.length === 0) ids = [vocab.documentStart];
  const truncated = ids.length > max;
  return { ids: truncated ? ids.slice(ids.length - max) : ids, truncated };
}

/** A model token with both its IDs: the GPT encoding's (a code point for 'char'), or a byte piece's byte. */
function modelToken(vocab: Vocabulary, id: number): ModelToken {
  const token: ModelToken = { id, label: vocab.tokenLabel(id) };
  const external = vocab.toExternal(id);
  const byte = vocab.byteOf(id);
  // an imported tokenizer's IDs are the model's own: no second ID to show
  if (external !== undefined && !vocab.hf) {
    if (vocab.tokenizer === 'char') token.codePoint = external;
    else token.gptId = external;
  } else if (byte !== undefined) {
    token.byteHex = hexBytes(Uint8Array.of(byte));
  }
  return token;
}

/** The second model Compare Causal and Bidirectional reads from a folder, beside the workspace model. */
const folderModels = new FolderModels((vocab, id) => modelToken(vocab, id));

function tokensOf(vocab: Vocabulary, ids: number[]): ModelToken[] {
  return ids.map((id) => modelToken(vocab, id));
}

interface Context<M extends RequestName> {
  id: number;
  signal: AbortSignal;
  emit(event: RequestEvent<M>): void;
}

type Handlers = { [M in RequestName]: (params: RequestParams<M>, ctx: Context<M>) => Promise<RequestResult<M>> };

/** A checkpoint folder as the worker holds it: the kept model, and the latest weights for Resume. */
async function loadHeld(dir: string): Promise<Held> {
  const loaded = await loadCheckpoint(dir);
  const latestWeights = loaded.kept ? await readCheckpointWeights(loaded.dir, 'latest') : undefined;
  return {
    model: loaded.model,
    vocab: loaded.vocab,
    state: loaded.state,
    dir,
    valLoss: loaded.kept?.valLoss ?? loaded.state?.valLoss,
    ...(loaded.kept ? { best: loaded.kept } : {}),
    ...(latestWeights ? { latestWeights } : {}),
  };
}

const handlers: Handlers = {
  async status() {
    const memory = process.memoryUsage();
    let tensors: number | undefined;
    let bytesMB: number | undefined;
    try {
      const tf = await import('@tensorflow/tfjs-core');
      const m = tf.memory();
      tensors = m.numTensors;
      bytesMB = Math.round(m.numBytes / 1e5) / 10;
    } catch {
      // no backend yet
    }
    return {
      ...(backend ? { backend: backend.name } : {}),
      ...(held ? { model: modelInfo(held) } : {}),
      running: [...running].map(([id, r]) => ({ id, method: r.method })),
      memory: { heapUsedMB: Math.round(memory.heapUsed / 1e5) / 10, ...(tensors !== undefined ? { tensors, bytesMB } : {}) },
    };
  },

  async load({ dir, backend: requested }) {
    await ensureBackend(requested);
    replaceHeld(await loadHeld(dir)); // throws CheckpointError naming the file; `held` stays as it was
    return modelInfo(held!);
  },

  async save({ dir }) {
    const h = requireModel();
    // The kept model and, when training went on past it, the latest weights its training state belongs to.
    const kept = h.best && h.latestWeights ? { kept: { ...h.best, weights: await h.model.readWeights() }, latest: h.latestWeights } : {};
    await saveCheckpoint(dir, h.model, h.vocab, h.state, kept);
    return modelInfo(h);
  },

  async exportHf({ dir }) {
    const h = requireModel();
    const card = {
      step: h.best?.step ?? h.state?.step ?? 0,
      valLoss: h.best?.valLoss ?? h.valLoss,
      tokensSeen: h.state?.tokensSeen,
      parameters: h.model.parameterCounts().total,
    };
    return { files: await exportHfFolder(dir, { config: h.model.config, weights: await h.model.readWeights(), vocab: h.vocab, card }) };
  },

  async unload() {
    const had = !!held;
    replaceHeld(undefined);
    await folderModels.release();
    return { unloaded: had };
  },

  async train(params, ctx) {
    if (training !== undefined) throw new EngineError('busy', 'A training run is already in progress.');
    training = ctx.id;
    try {
      return await train(params, ctx);
    } finally {
      training = undefined;
    }
  },

  async attention(params) {
    const h = requireModel();
    return modelAttention(h, params, (id) => modelToken(h.vocab, id));
  },

  async folderAttention(params) {
    return folderModels.attention(params, () => ensureBackend(params.backend));
  },

  async folderRelease() {
    const had = folderModels.heldDir !== undefined;
    await folderModels.release();
    return { released: had };
  },

  async complete({ prompt, sampling, maxPromptTokens }, ctx) {
    const h = requireModel();
    const ctxLen = h.model.config.contextLength;
    const { ids } = contextIds(h.vocab, prompt, maxPromptTokens && maxPromptTokens > 0 ? Math.min(maxPromptTokens, ctxLen) : ctxLen);
    const out = await generate(h.model, h.vocab, ids, { ...sampling, signal: ctx.signal });
    if (out.finishReason === 'aborted' || ctx.signal.aborted) throw new EngineError('cancelled', 'Cancelled.');
    return { text: out.text, tokens: out.ids.length, promptTokens: ids.length };
  },

  async nextTokens({ text, topN }) {
    const h = requireModel();
    const { ids } = contextIds(h.vocab, text, h.model.config.contextLength);
    const dist = await nextTokenDistribution(h.model, ids, topN ?? 10);
    return { context: tokensOf(h.vocab, ids), candidates: dist.map((d) => ({ ...modelToken(h.vocab, d.id), prob: d.prob })) };
  },

  async fill({ text, start, end, topN }) {
    const h = requireModel();
    const masked = maskSelection(text, start, end, h.vocab);
    const { candidates, maskPositions } = await fillMasks(h.model, h.vocab, masked.ids, topN ?? 10);
    const window = windowAround(masked.ids, h.vocab.maskId!, h.model.config.contextLength).ids;
    return {
      context: tokensOf(h.vocab, window),
      masks: maskPositions.length,
      replaceStart: masked.replaceStart,
      replaceEnd: masked.replaceEnd,
      candidates: candidates.map((c) => ({ text: c.text, labels: c.ids.map((id) => h.vocab.tokenLabel(id)), prob: c.prob, steps: c.steps })),
    };
  },

  async inspect(params) {
    const h = requireModel();
    // While nothing trains, the 2-D map of the vocabulary is prepared after the first view (it costs the most).
    return answerInspect(h, params, (id) => modelToken(h.vocab, id), { prepareMap: training === undefined });
  },
  ...samplingHandlers(requireModel),

  async crash({ mode }) {
    if (mode === 'exit') process.exit(7);
    setTimeout(() => {
      throw new Error('Crash requested by a test');
    });
    return new Promise<never>(() => undefined);
  },
};

/** The engine's run settings of a request (absent fields take the engine's defaults). */
function runSettingsOf(params: TrainParams): Partial<RunSettings> {
  const { settings, fresh } = params;
  return {
    ...(fresh ? { preset: fresh.preset, contextLength: fresh.contextLength, positional: fresh.positional, tokenizer: fresh.tokenizer } : {}),
    ...(fresh?.maxVocab !== undefined ? { maxVocab: fresh.maxVocab } : {}),
    ...(fresh?.minCount !== undefined ? { minCount: fresh.minCount } : {}),
    ...(fresh?.kind ? { kind: fresh.kind } : {}),
    ...(settings.masking ?? {}),
    steps: settings.steps,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    evalInterval: settings.evalInterval,
    checkpointInterval: settings.checkpointInterval,
    seed: settings.seed,
    minutes: settings.maxMinutes ?? 0,
    dropout: settings.dropout,
    patience: settings.patience,
    weightDecay: settings.weightDecay,
  };
}

async function train(params: TrainParams, ctx: Context<'train'>): Promise<TrainResult> {
  const { settings, checkpointDir } = params;
  const report = await ensureBackend(params.backend);
  ctx.emit({ kind: 'backend', backend: report.name, tried: report.tried });

  // Resume continues the latest state (its weights and optimiser), not the kept model.
  const resumed = params.fresh ? undefined : await loadCheckpoint(checkpointDir, { weights: 'latest' });
  let run: TrainingRun;
  try {
    run = await buildTrainingRun(
      params.documents,
      runSettingsOf(params),
      resumed ? { vocab: resumed.vocab, config: resumed.model.config, step: resumed.state?.step ?? 0 } : undefined,
      {
        // Tokenizing a large corpus takes a while: let a cancel through now and then.
        onTokenized: async () => {
          await yieldToEventLoop();
          if (ctx.signal.aborted) throw new EngineError('cancelled', 'Cancelled before training started.');
        },
      },
    );
  } catch (error) {
    resumed?.model.dispose();
    throw error;
  }
  const { vocab, plan } = run;
  ctx.emit({ kind: 'corpus', corpus: run.sizes });
  ctx.emit({
    kind: 'plan',
    plan: { preset: plan.preset, contextLength: plan.contextLength, steps: plan.steps, batchSize: plan.batchSize, dropout: plan.dropout, patience: plan.patience, reasons: plan.reasons },
  });
  const model = resumed?.model ?? new GPT(run.config, run.settings.seed);
  const state = resumed?.state;
  let kept: KeptWeights | undefined;
  if (resumed && state?.best) {
    const weights = await readCheckpointWeights(resumed.dir, 'kept');
    if (weights) kept = { ...state.best, weights };
  }

  const h: Held = { model, vocab, state, dir: checkpointDir, valLoss: state?.valLoss, ...(state?.best ? { best: state.best } : {}) };
  replaceHeld(h);
  const startStep = state?.step ?? 0;
  ctx.emit({ kind: 'model', model: modelInfo(h), ...(state ? { resumedFrom: startStep } : {}) });

  const started = Date.now();
  const interval = params.progressIntervalMs ?? 100;
  let lastSent = 0;
  let lastSample = -1;
  let lastLoss: number | undefined;
  const copies = new CopyDetector(run.corpus.train);
  const sample = async (step: number) => {
    if (model.kind === 'encoder') return; // an encoder generates no text
    if (!settings.sampleInterval || !settings.samplePrompt || lastSample === step) return;
    lastSample = step;
    try {
      const { ids } = contextIds(vocab, settings.samplePrompt, model.config.contextLength);
      const out = await generate(model, vocab, ids, { maxNewTokens: settings.sampleTokens, temperature: 0.8, topK: 40, seed: 1 });
      const copy = copies.longestCopy(out.ids);
      const copied = copy ? { copied: { tokens: copy.tokens, text: vocab.decode(out.ids.slice(copy.start, copy.start + copy.tokens)) } } : {};
      ctx.emit({ kind: 'sample', step, prompt: settings.samplePrompt, text: out.text, ...copied });
    } catch (error) {
      log(`Sample generation failed at step ${step}: ${(error as Error).message}`, 'warn');
    }
  };
  await sample(startStep);

  const outcome = await runTraining(
    run,
    model,
    state,
    {
      signal: ctx.signal,
      save: async (s, keptNow) => {
        h.state = s;
        await saveCheckpoint(checkpointDir, model, vocab, s, keptNow ? { kept: keptNow } : {});
        ctx.emit({ kind: 'checkpoint', step: s.step, dir: checkpointDir });
      },
      onBest: (best) => {
        h.best = best;
        ctx.emit({ kind: 'best', step: best.step, valLoss: best.valLoss, dir: checkpointDir });
      },
      onProgress: async (p) => {
        lastLoss = p.loss;
        if (p.valLoss !== undefined) h.valLoss = p.valLoss;
        const now = Date.now();
        const last = p.step >= p.steps;
        if (last || p.valLoss !== undefined || now - lastSent >= interval) {
          lastSent = now;
          const elapsedMs = now - started;
          const remainingMs = estimateRemainingMs(p.step, p.steps, elapsedMs, settings.maxMinutes, startStep);
          ctx.emit({
            kind: 'progress',
            step: p.step,
            steps: p.steps,
            loss: p.loss,
            ...(p.valLoss !== undefined ? { valLoss: p.valLoss } : {}),
            lr: p.lr,
            tokensPerSecond: p.tokensPerSecond,
            elapsedMs,
            ...(remainingMs !== undefined ? { remainingMs } : {}),
            ...(p.best ? { best: p.best } : {}),
            ...(p.accuracy !== undefined ? { accuracy: p.accuracy } : {}),
            ...(p.valAccuracy !== undefined ? { valAccuracy: p.valAccuracy } : {}),
            ...(p.masking ? { masking: maskingRow(p.masking, (id) => vocab.tokenLabel(id)) } : {}),
          });
        }
        if (settings.sampleInterval > 0 && p.step % settings.sampleInterval === 0) await sample(p.step);
        // Let a cancel, or another feature's request, in between two steps.
        await yieldToEventLoop();
      },
    },
    kept,
  );
  const { result } = outcome;
  if (result.stoppedBy === 'diverged') {
    // The model in memory took the non-finite step: the features get the last checkpoint saved before it.
    const saved = await loadHeld(checkpointDir).catch(() => undefined);
    replaceHeld(saved);
    log(outcome.message, 'warn');
    if (!saved) throw new UserError(`Training stopped at step ${result.step}: the loss is no longer a number, and nothing was saved before it; train again with a lower learning rate.`);
    return {
      step: result.step,
      steps: run.plan.steps,
      stoppedBy: result.stoppedBy,
      message: outcome.message,
      elapsedMs: Date.now() - started,
      checkpointDir,
      model: modelInfo(saved),
    };
  }
  // The worker now holds the kept model; the latest state (and its weights) are saved for Resume.
  h.state = outcome.state;
  if (outcome.kept) {
    h.best = { step: outcome.kept.step, valLoss: outcome.kept.valLoss };
    h.valLoss = outcome.kept.valLoss;
  } else if (result.valLoss !== undefined) h.valLoss = result.valLoss;
  h.latestWeights = outcome.latestWeights;
  // A last sample of the kept model (not after a cancel: the user asked to stop now).
  if (result.stoppedBy !== 'cancel') {
    lastSample = -1;
    await sample(h.best?.step ?? result.step);
  }
  log(outcome.message);
  const loss = result.loss ?? lastLoss;
  return {
    step: result.step,
    steps: run.plan.steps,
    stoppedBy: result.stoppedBy,
    message: outcome.message,
    ...(h.best ? { best: h.best } : {}),
    ...(loss !== undefined ? { loss } : {}),
    ...(h.valLoss !== undefined ? { valLoss: h.valLoss } : {}),
    elapsedMs: Date.now() - started,
    checkpointDir,
    model: modelInfo(h),
  };
}

async function handle(message: Extract<HostToWorker, { type: 'request' }>): Promise<void> {
  const { id, method } = message;
  const controller = new AbortController();
  running.set(id, { method, controller });
  const ctx: Context<RequestName> = {
    id,
    signal: controller.signal,
    emit: (event) => post({ type: 'event', id, event }),
  };
  try {
    const handler = handlers[method] as (params: unknown, ctx: Context<RequestName>) => Promise<unknown>;
    const result = await handler(message.params, ctx);
    post({ type: 'result', id, result });
  } catch (error) {
    const wire = toWireError(error);
    if (wire.code === 'internal') log(`${method} failed: ${wire.detail ?? wire.message}`, 'error');
    post({ type: 'error', id, error: wire });
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: unknown) => {
  if (!isHostToWorker(message)) {
    log(`The engine worker ignored a message that is not in the protocol.`, 'warn');
    return;
  }
  if (message.type === 'cancel') {
    running.get(message.id)?.controller.abort();
    return;
  }
  if (message.type === 'shutdown') {
    void shutdown();
    return;
  }
  void handle(message);
});

/**
 * Cancels every request, waits for them to end (a cancelled training run saves its checkpoint), and exits
 * the thread. The host asks for this rather than calling worker.terminate(): terminating a worker in the
 * middle of a WebGPU (Dawn) call aborts the whole process, the extension host included.
 */
async function shutdown(): Promise<void> {
  for (const { controller } of running.values()) controller.abort();
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  process.exit(0); // in a worker thread this ends the thread only
}

const SHUTDOWN_GRACE_MS = 4000;

/**
 * Lowers this thread's scheduling priority (Linux: nice 10 for the thread alone, via its thread ID), so
 * that when the CPU is busy the extension host's thread — the editor's extensions — goes first and the
 * training takes what is left. Elsewhere the worker keeps normal priority.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) {
      os.setPriority(tid, Math.max(os.getPriority(tid), 10));
    }
  } catch {
    // not permitted, or no /proc: keep the priority
  }
}

lowerThreadPriority();
post({ type: 'ready', pid: process.pid });
