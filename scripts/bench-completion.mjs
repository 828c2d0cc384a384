// `npm run bench:completion`: how long an inline completion takes, from the provider's call to the item,
// for 24 new tokens with the `small` preset on the wasm backend — the debounce excluded. Measures the path
// the provider uses: CompletionEngine.suggest() (src/features/completion/core/completionEngine.ts) → EngineClient → the engine
// worker (bundled from the current sources) → generate() with or without the KV cache → the stop and
// mid-word rules. Prints p50/p95 per case and the KV cache's speed-up; not a timed test (exit code 0 unless
// something breaks).
//
//   node scripts/bench-completion.mjs [--runs 30] [--backend wasm] [--preset small] [--tokens 24] [--json]
//
// Cases:
//   short     a prompt of a few tokens
//   long      the text before the cursor is a long note: the prompt is the token budget (context − 24 = 104
//             tokens), so the 24 new tokens fit in the context and the cache never slides
//   full      the prompt fills the whole context (128 tokens): past the context every new token needs a full
//             window, cached or not — why the provider keeps room for the new tokens
// and, for reference, `long` through generate() in this process (no worker round trip).
//
// The model has random weights (timing does not depend on them); its vocabulary is the o200k_base tokens of
// the sample notes and docs. Sampling: temperature 0.7, top-k 40, top-p 0.95, stopAt none (always 24 tokens).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineDescription, option, quantile, require, root, runBenchmark } from './bench-common.mjs';

const RUNS = Number(option('runs', 30));
/** Recomputing the window for every token is slow: fewer runs of the cases without the cache. */
const SLOW_RUNS = Number(option('slow-runs', Math.max(5, Math.round(RUNS / 3))));
const WARMUP = 3;
const BACKEND = option('backend', 'wasm');
const PRESET = option('preset', 'small');
const TOKENS = Number(option('tokens', 24));
const JSON_OUT = process.argv.includes('--json');

const { initBackend, GPT, PRESETS, Vocabulary, encode, saveCheckpoint, generate } = require(path.join(root, 'src/engine/index.ts'));
const { CompletionEngine } = require(path.join(root, 'src/features/completion/core/completionEngine.ts'));
const { promptTokenBudget } = require(path.join(root, 'src/features/completion/core/promptWindow.ts'));
const { EngineClient } = require(path.join(root, 'src/worker/engine/client.ts'));

function log(...args) {
  if (!JSON_OUT) console.log(...args);
}

function stats(times) {
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), mean, min: Math.min(...times), max: Math.max(...times) };
}

/** Bundles the engine worker from the current sources (the wasm binaries are found in the package). */
async function buildWorker(dir) {
  const esbuild = require('esbuild');
  const outfile = path.join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'src/worker/engine/worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    external: ['vscode', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'webgpu'],
  });
  // the wasm binaries beside the bundle, as esbuild.js puts them beside dist/worker.js
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const file of fs.readdirSync(wasmDir)) if (file.endsWith('.wasm')) fs.copyFileSync(path.join(wasmDir, file), path.join(dir, file));
  // and the native kernels, as esbuild.js copies them (for --backend native)
  const addon = path.join(root, 'native', 'build', 'Release', 'lmx_native.node');
  if (fs.existsSync(addon)) fs.copyFileSync(addon, path.join(dir, 'lmx_native.node'));
  return outfile;
}

function notesText() {
  const dirs = [path.join(root, 'sample-workspace'), path.join(root, 'docs'), path.join(root, 'test', 'fixtures', 'notes')];
  const texts = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true })) {
      const file = path.join(dir, String(entry));
      if (/\.(md|txt)$/.test(file) && fs.statSync(file).isFile()) texts.push(fs.readFileSync(file, 'utf8'));
    }
  }
  return texts;
}

const settings = (seed, stopAt = 'none') => ({
  enabled: true,
  languages: ['markdown'],
  temperature: 0.7,
  topK: 40,
  topP: 0.95,
  maxTokens: TOKENS,
  stopAt,
  seed,
  debounceMs: 0,
});

/**
 * Runs fn (which returns its wall time in ms) `runs` times after the warm-up. Also measures the CPU time the
 * process spent per run (all threads: the engine worker does the work while this thread waits), which
 * depends much less than wall time on other programs competing for the cores.
 */
async function measure(name, fn, runs = RUNS) {
  for (let i = 0; i < WARMUP; i++) await fn(-1 - i);
  const times = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    times.push(await fn(i));
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  const c = stats(cpu);
  return { name, ...stats(times), cpuP50: c.p50, cpuP95: c.p95, runs };
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-completion-'));
  let client;
  try {
    const report = await initBackend(BACKEND);
    const texts = notesText();
    const vocab = Vocabulary.build(texts.map((t) => encode(t, 'o200k_base')), 'o200k_base');
    const preset = PRESETS[PRESET];
    const model = new GPT({ ...preset, vocabSize: vocab.size }, 1);
    const modelDir = path.join(scratch, 'model');
    await saveCheckpoint(modelDir, model, vocab);
    const ctx = model.config.contextLength;
    const budget = promptTokenBudget(ctx, TOKENS);
    log(`inline completion benchmark: ${PRESET} preset (${model.parameterCounts().total.toLocaleString('en-US')} parameters, context ${ctx}, vocabulary ${vocab.size}), backend ${report.name}`);
    log(`${TOKENS} new tokens per suggestion, ${RUNS} runs per case (${SLOW_RUNS} without the cache) after ${WARMUP} warm-up runs`);
    log(machineDescription());

    const workerFile = await buildWorker(scratch);
    client = new EngineClient({ workerPath: workerFile });
    const engine = new CompletionEngine({ client, modelDir: () => modelDir, backend: () => BACKEND });
    const loadStart = performance.now();
    const info = await engine.ensureModel();
    if (!info) throw new Error(`the worker could not load the model: ${JSON.stringify(engine.state())}`);
    log(`worker: started and loaded the checkpoint in ${Math.round(performance.now() - loadStart)} ms (backend ${info.backend})\n`);

    const long = texts.sort((a, b) => b.length - a.length)[0];
    const longBefore = long.slice(0, Math.min(long.length, 6000));
    const shortBefore = 'Tokeny to ';
    const shortTokens = vocab.encode(shortBefore).length;
    const longTokens = Math.min(vocab.encode(longBefore).length, budget);

    const viaProvider = (before, extra = {}) => async (i) => {
      const started = performance.now();
      const result = await engine.suggest({ before, lineAfter: '', settings: settings(1000 + i), ...extra });
      const ms = performance.now() - started;
      if (!result.ok && result.reason !== 'empty') throw new Error(`suggest failed: ${JSON.stringify(result)}`);
      if (result.ok && result.tokens !== TOKENS) throw new Error(`expected ${TOKENS} tokens, got ${result.tokens}`);
      return ms;
    };
    const inProcess = (before, useCache) => async (i) => {
      const ids = vocab.encode(before).slice(-budget);
      const started = performance.now();
      await generate(model, vocab, ids, { maxNewTokens: TOKENS, temperature: 0.7, topK: 40, topP: 0.95, seed: 1000 + i, useCache });
      return performance.now() - started;
    };

    const rows = [];
    rows.push({ case: 'short', prompt: shortTokens, cache: true, ...(await measure('short, cache', viaProvider(shortBefore))) });
    rows.push({ case: 'short', prompt: shortTokens, cache: false, ...(await measure('short, no cache', viaProvider(shortBefore, { useCache: false }), SLOW_RUNS)) });
    rows.push({ case: 'long', prompt: longTokens, cache: true, ...(await measure('long, cache', viaProvider(longBefore))) });
    rows.push({ case: 'long', prompt: longTokens, cache: false, ...(await measure('long, no cache', viaProvider(longBefore, { useCache: false }), SLOW_RUNS)) });
    rows.push({ case: 'full', prompt: ctx, cache: true, ...(await measure('full, cache', viaProvider(longBefore, { maxPromptTokens: ctx }), SLOW_RUNS)) });
    rows.push({ case: 'full', prompt: ctx, cache: false, ...(await measure('full, no cache', viaProvider(longBefore, { maxPromptTokens: ctx, useCache: false }), SLOW_RUNS)) });
    rows.push({ case: 'long, in-process generate()', prompt: longTokens, cache: true, ...(await measure('in-process cache', inProcess(longBefore, true))) });
    rows.push({ case: 'long, in-process generate()', prompt: longTokens, cache: false, ...(await measure('in-process no cache', inProcess(longBefore, false), SLOW_RUNS)) });

    const fmt = (ms) => `${ms.toFixed(1).padStart(7)} ms`;
    log(`${'case'.padEnd(30)} ${'prompt'.padStart(6)} ${'KV cache'.padEnd(8)} ${'runs'.padStart(4)} ${'p50'.padStart(10)} ${'p95'.padStart(10)} ${'mean'.padStart(10)} ${'tok/s (p50)'.padStart(11)} ${'CPU p50'.padStart(10)} ${'CPU p95'.padStart(10)}`);
    for (const r of rows) {
      log(
        `${r.case.padEnd(30)} ${String(r.prompt).padStart(6)} ${(r.cache ? 'yes' : 'no').padEnd(8)} ${String(r.runs).padStart(4)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.mean)} ${String(Math.round((TOKENS * 1000) / r.p50)).padStart(11)} ${fmt(r.cpuP50)} ${fmt(r.cpuP95)}`,
      );
    }
    log('(p50/p95/mean: wall time from the call to the item; CPU: process CPU time per suggestion, all threads)');
    const find = (c, cache) => rows.find((r) => r.case === c && r.cache === cache);
    const speedup = (c) => find(c, false).p50 / find(c, true).p50;
    const cpuSpeedup = (c) => find(c, false).cpuP50 / find(c, true).cpuP50;
    log('');
    log(`KV cache speed-up (p50, no cache / cache): short ${speedup('short').toFixed(1)}×, long ${speedup('long').toFixed(1)}×, full context ${speedup('full').toFixed(1)}×, in-process long ${speedup('long, in-process generate()').toFixed(1)}×`);
    log(`               (CPU time p50):              short ${cpuSpeedup('short').toFixed(1)}×, long ${cpuSpeedup('long').toFixed(1)}×, full context ${cpuSpeedup('full').toFixed(1)}×`);
    const longCached = find('long', true);
    const checks = [
      { what: `long context p50 < 20 ms`, ok: longCached.p50 < 20, value: `${longCached.p50.toFixed(1)} ms` },
      { what: `long context p95 < 40 ms`, ok: longCached.p95 < 40, value: `${longCached.p95.toFixed(1)} ms` },
      { what: `short context p50 < 20 ms`, ok: find('short', true).p50 < 20, value: `${find('short', true).p50.toFixed(1)} ms` },
      { what: `short context p95 < 40 ms`, ok: find('short', true).p95 < 40, value: `${find('short', true).p95.toFixed(1)} ms` },
      { what: `KV cache ≥ 3× faster on the long context`, ok: speedup('long') >= 3, value: `${speedup('long').toFixed(1)}×` },
    ];
    for (const c of checks) log(`${c.ok ? 'met ' : 'MISSED'}  ${c.what}: ${c.value}`);
    if (JSON_OUT) {
      console.log(JSON.stringify({ preset: PRESET, backend: report.name, tokens: TOKENS, runs: RUNS, contextLength: ctx, vocabSize: vocab.size, rows, checks }, null, 2));
    }
    engine.dispose();
    model.dispose();
  } finally {
    client?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runBenchmark(main);
