// One backend of `npm run bench:gpu` (scripts/bench-gpu.mjs), in its own process (a TensorFlow.js
// backend is global to a process):
//
//   node -r ./scripts/ts-register.js scripts/bench-gpu-run.ts '<options as JSON>'
//
// Trains the engine's GPT with the engine's Trainer (AdamW, clipping; no validation) on a character
// vocabulary of the corpus, and prints one JSON line: tokens per second over the timed steps, after
// warm-up steps (shader compilation, allocation) that are timed separately.

import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/engine/backends';
import { webgpuAdapter, webgpuErrors } from '../src/engine/backends/webgpu';
import { Corpus } from '../src/engine/corpus';
import { GPT } from '../src/engine/model';
import { PRESETS, type PresetName } from '../src/engine/presets';
import { encode } from '../src/engine/tokenizer';
import { Trainer } from '../src/engine/training';
import { Vocabulary } from '../src/engine/vocab';

export interface BenchRunOptions {
  backend: BackendName;
  preset: PresetName;
  batch: number;
  /** Timed steps (at most; the budget may stop earlier, after at least one). */
  steps: number;
  warmup: number;
  budgetSeconds: number;
  corpus: string;
  /**
   * What to do on a software adapter: 'skip' (report it, time nothing), 'check' (tiny run, not timed) or
   * 'host' (on Dawn's Null backend, LMX_DAWN_BACKEND=null: the CPU's time per step for the preset's
   * model, 8 tokens a step, since nothing runs on a device).
   */
  software: 'skip' | 'check' | 'host';
}

export interface BenchRunResult {
  status: 'ok' | 'unavailable' | 'software' | 'checked' | 'host';
  backend: string;
  device: string;
  reason?: string;
  preset?: string;
  config?: Record<string, number | string>;
  batch?: number;
  steps?: number;
  seconds?: number;
  warmupSeconds?: number;
  tokensPerSecond?: number;
  loss?: number;
  params?: number;
  /** Where AdamW ran (Trainer.optimizerPath). */
  optimizer?: string;
  /** webgpu: GPU programs dispatched per training step. */
  dispatchesPerStep?: number;
  /** 'host' runs: the median CPU time of a step, milliseconds. */
  hostMsPerStep?: number;
  errors?: string[];
}

function emit(result: BenchRunResult): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

async function main(options: BenchRunOptions): Promise<void> {
  let device: string;
  try {
    const report = await initBackend(options.backend);
    device = (report.tried.find((t) => t.ok)?.reason ?? report.name).replace(/; binaries from .*$/, '');
    if (report.name !== options.backend) {
      emit({ status: 'unavailable', backend: options.backend, device: '-', reason: `initBackend gave ${report.name}` });
    }
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/^The \S+ backend is not available \((.*)\)\.?$/, '$1')
      .replace(/^webgpu: /, '');
    emit({ status: 'unavailable', backend: options.backend, device: '-', reason });
  }
  if (options.backend === 'tensorflow') {
    const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    device = gpu ? 'CUDA GPU (libtensorflow)' : 'CPU (libtensorflow; no CUDA device in use)';
  }
  let { preset, batch, steps, warmup } = options;
  const adapter = webgpuAdapter();
  const software = options.backend === 'webgpu' && adapter?.software === true;
  if (adapter && options.backend === 'webgpu') device = adapter.name;
  const host = software && options.software === 'host';
  if (software && options.software === 'skip') emit({ status: 'software', backend: 'webgpu', device, reason: 'software adapter, not timed' });
  if (software && !host) {
    // a correctness check, not a measurement: the smallest model, two steps
    preset = 'tiny';
    batch = 4;
    steps = 1;
    warmup = 1;
  }
  if (host) {
    // the preset's model with 8 tokens a step: what the CPU spends does not depend on the tensors' sizes
    batch = 1;
    steps = Math.max(steps, 20);
    warmup = Math.max(warmup, 3);
  }
  const dispatches = countDispatches();

  const text = fs.readFileSync(options.corpus, 'utf8');
  const vocab = Vocabulary.build([encode(text, 'char')], 'char');
  const corpus = Corpus.fromDocuments([text], vocab);
  const model = new GPT({ ...PRESETS[preset], vocabSize: vocab.size });
  const trainer = new Trainer(model, corpus, {
    steps: 1_000_000,
    batchSize: batch,
    evalBatches: 0,
    evalInterval: 0,
    warmupSteps: 10,
    seed: 1337,
    ...(host ? { blockSize: 8 } : {}),
  });
  const T = host ? 8 : model.config.contextLength;

  let loss = NaN;
  const w0 = performance.now();
  for (let i = 0; i < warmup; i++) loss = (await trainer.trainStep()).loss;
  const warmupSeconds = (performance.now() - w0) / 1000;

  let done = 0;
  const stepMs: number[] = [];
  dispatches.reset();
  const t0 = performance.now();
  while (done < steps && (done === 0 || performance.now() - t0 < options.budgetSeconds * 1000)) {
    const s0 = performance.now();
    loss = (await trainer.trainStep()).loss; // trainStep reads the loss back: each step is complete here
    stepMs.push(performance.now() - s0);
    done++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const dispatchesPerStep = dispatches.count() / done;
  const config = { ...PRESETS[preset], vocabSize: vocab.size };
  const params = model.parameterCounts().total;
  const errors = [...webgpuErrors()];
  const optimizer = trainer.optimizerPath;
  trainer.dispose();
  model.dispose();
  emit({
    status: host ? 'host' : software ? 'checked' : 'ok',
    backend: options.backend,
    device,
    ...(software && !host ? { reason: 'software adapter, not timed' } : {}),
    ...(host ? { hostMsPerStep: stepMs.sort((a, b) => a - b)[stepMs.length >> 1] } : {}),
    ...(options.backend === 'webgpu' ? { dispatchesPerStep } : {}),
    preset,
    config,
    batch,
    steps: done,
    seconds,
    warmupSeconds,
    tokensPerSecond: software ? undefined : (done * batch * T) / seconds,
    loss,
    params,
    optimizer,
    ...(errors.length ? { errors } : {}),
  });
}

/** Counts the programs the webgpu backend dispatches (every kernel goes through runWebGPUProgram). */
function countDispatches(): { reset(): void; count(): number } {
  let count = 0;
  const backend = tf.backend() as { runWebGPUProgram?: (...args: unknown[]) => unknown };
  const run = backend.runWebGPUProgram;
  if (tf.getBackend() === 'webgpu' && run) {
    backend.runWebGPUProgram = (...args: unknown[]) => {
      count++;
      return run.apply(backend, args);
    };
  }
  return { reset: () => (count = 0), count: () => count };
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? '{}') as BenchRunOptions).catch((error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
