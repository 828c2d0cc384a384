#!/usr/bin/env node
// `npm run bench:sampling`: how fast the sampling lab and Show Token Surprise answer, on a `small` model
// (4 layers × 4 heads × 128 channels, context 128) with random weights and the sample notes' vocabulary.
// A benchmark, not a test: it prints figures beside the targets, it asserts nothing.
//
//   slider        a slider change: EngineClient → dist/worker.js 'samplingView' (the distribution under the
//                 new temperature/top-k/top-p, labels, structured clone back), then the real page bundle
//                 dist/webview/sampling.js in headless Chromium drawing both charts from that snapshot
//                 (target: under 50 ms p95 for the two together)
//   step          one Greedy step: 'samplingStep' (one position through the KV cache, the next distribution)
//                 (target: under 30 ms p95)
//   surprise      Show Token Surprise on 1,000 visible tokens: 'score' with those tokens in detail (windows of
//                 the context length, stride half of it; probability, rank, entropy and top 5 of each)
//                 (target: under 500 ms)
//   reference     in the same run, the engine's plain forward pass of one full window (1 × 128) in this
//                 process, so that figures from a loaded machine can be read as a ratio to it.
// Options: --runs N (default 30), --backend NAME (default auto), --json FILE.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, bundlePage, fmt, inChromium, machineDescription, machineLoad, option, quantile, require, root, runBenchmark, sampleNotes } from './bench-common.mjs';

const RUNS = Number(option('runs', process.env.BENCH_RUNS || 30));
const BACKEND = option('backend', 'auto');
const JSON_OUT = option('json');
const TARGETS = { slider: 50, step: 30, surprise: 500 };
const SURPRISE_TOKENS = 1000;

const tf = require('@tensorflow/tfjs-core');
const { initBackend, GPT, PRESETS, Vocabulary, encode, saveCheckpoint } = require(path.join(root, 'src/engine/index.ts'));
const { EngineClient } = require(path.join(root, 'src/worker/engine/client.ts'));

const mark = (ms, target) => (ms === undefined ? '' : ms <= target ? `  ✓ (target < ${target} ms)` : `  ✗ (target < ${target} ms)`);

/** The page bundle in headless Chromium with a stand-in for VS Code's webview API; renders snapshots. */
function renderInBrowser(snapshots, runs) {
  const html = bundlePage('sampling', { bodyClass: 'vscode-dark' });
  return inChromium({ tempPrefix: 'lmx-bench-sampling-', html, viewport: { width: 1300, height: 1100 }, keep: true }, async (page, dir) => {
    // timed inside the page: from the snapshot's arrival to the next frame after the page says it drew it
    const times = [];
    const drawTimes = [];
    let last;
    for (let run = 0; run < runs; run++) {
      const snapshot = snapshots[run % snapshots.length];
      const seq = 1000 + run;
      last = await page.evaluate(
        ({ message, seq }) =>
          new Promise((resolve) => {
            const t0 = performance.now();
            window.__onMessage = (m) => {
              if (m.type !== 'rendered' || m.report.seq !== seq) return;
              window.__onMessage = undefined;
              requestAnimationFrame(() => resolve({ ...m.report, totalMs: performance.now() - t0 }));
            };
            window.postMessage({ ...message, seq }, '*');
          }),
        { message: snapshot, seq },
      );
      if (run > 0) {
        times.push(last.totalMs);
        drawTimes.push(last.renderMs);
      }
    }
    await page.screenshot({ path: path.join(dir, 'lab.png'), fullPage: true });
    return { p95: quantile(times, 0.95), median: quantile(times, 0.5), drawP95: quantile(drawTimes, 0.95), report: last, screenshot: path.join(dir, 'lab.png') };
  });
}

async function main() {
  build();
  const report = await initBackend(BACKEND);
  const docs = sampleNotes();
  const vocab = Vocabulary.build(docs.map((d) => encode(d, 'o200k_base')), 'o200k_base');
  const config = { ...PRESETS.small, vocabSize: vocab.size };
  const model = new GPT(config, 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-sampling-'));
  await saveCheckpoint(path.join(dir, 'model'), model, vocab);

  // the reference: one full window through the engine in this process
  const window = Array.from({ length: config.contextLength }, (_, i) => 2 + (i % (vocab.size - 2)));
  const refTimes = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const out = model.forward(tf.tensor2d(window, [1, window.length], 'int32'));
    await out.data();
    out.dispose();
    if (i > 1) refTimes.push(performance.now() - t0);
  }
  const referenceMs = quantile(refTimes, 0.5);

  const client = new EngineClient({ workerPath: path.join(root, 'dist', 'worker.js'), modelDir: () => path.join(dir, 'model'), backend: () => BACKEND });
  const prompt = docs.join('\n').slice(0, 400);
  const figures = {};
  try {
    await client.ensureModel();
    const opened = await client.request('samplingOpen', { prompt, params: { temperature: 1 } });
    const session = opened.session;
    // slider: the worker's part
    const sliderWorker = [];
    const snapshots = [];
    for (let run = 0; run <= RUNS; run++) {
      const params = { temperature: 0.2 + ((run * 0.37) % 1.8), topK: run % 3 === 0 ? 40 : undefined, topP: run % 2 === 0 ? 0.9 : undefined };
      const t0 = performance.now();
      const snapshot = await client.request('samplingView', { session, params: JSON.parse(JSON.stringify(params)) });
      if (run > 0) sliderWorker.push(performance.now() - t0);
      snapshots.push({ type: 'snapshot', snapshot, prompt, params: { temperature: params.temperature, topK: params.topK ?? 0, topP: params.topP ?? 1 }, seed: 1 });
    }
    // step
    const stepTimes = [];
    for (let run = 0; run <= RUNS; run++) {
      const t0 = performance.now();
      await client.request('samplingStep', { session, choice: { kind: 'greedy' }, params: { temperature: 1 } });
      if (run > 0) stepTimes.push(performance.now() - t0);
      if (run % 20 === 19) for (let u = 0; u < 20; u++) await client.request('samplingUndo', { session, params: { temperature: 1 } });
    }
    await client.request('samplingClose', { session });
    // surprise: a text of at least SURPRISE_TOKENS tokens, all of them visible
    let text = docs.join('\n\n');
    while (vocab.encode(text).length < SURPRISE_TOKENS) text += '\n\n' + text;
    const ids = vocab.encode(text);
    const cut = vocab.decode(ids.slice(0, SURPRISE_TOKENS));
    const surpriseTimes = [];
    let scored = 0;
    for (let run = 0; run < Math.max(3, Math.floor(RUNS / 6)); run++) {
      const t0 = performance.now();
      const result = await client.request('score', { text: cut, detail: { start: 0, end: cut.length } });
      if (run > 0) surpriseTimes.push(performance.now() - t0);
      scored = result.tokens.length;
    }
    const browser = await renderInBrowser(snapshots, RUNS + 1);
    figures.sliderWorkerP95 = quantile(sliderWorker, 0.95);
    figures.renderP95 = browser.p95;
    figures.sliderP95 = browser.p95 !== undefined ? figures.sliderWorkerP95 + browser.p95 : undefined;
    figures.stepP95 = quantile(stepTimes, 0.95);
    figures.stepMedian = quantile(stepTimes, 0.5);
    figures.surpriseMedian = quantile(surpriseTimes, 0.5);
    figures.surpriseMax = Math.max(...surpriseTimes);
    const { load, cpus, busy } = machineLoad(0.75);
    console.log(`\nSampling lab and token surprise — backend ${report.name}, small preset (context ${config.contextLength}, vocabulary ${vocab.size}); ${machineDescription()}`);
    console.log(`  reference: one forward pass of a full window (1 × ${config.contextLength}) in this process: ${fmt(referenceMs)}`);
    const row = (name, ms, target) => console.log(`  ${name.padEnd(74)} ${fmt(ms).padStart(10)}   ${ms !== undefined ? `${(ms / referenceMs).toFixed(2)}× ref` : ''}${target ? mark(ms, target) : ''}`);
    row('slider: worker samplingView, p95', figures.sliderWorkerP95);
    if (browser.skipped) console.log(`  render: skipped (${browser.skipped})`);
    else {
      row("slider: the page's own drawing of both charts and the text, p95", browser.drawP95);
      row('slider: snapshot arrives → next frame after the drawing (Chromium), p95', browser.p95);
    }
    row('slider → redrawn bars (worker p95 + render p95)', figures.sliderP95, TARGETS.slider);
    row('one Greedy step (worker samplingStep), median', figures.stepMedian);
    row('one Greedy step (worker samplingStep), p95', figures.stepP95, TARGETS.step);
    row(`surprise: ${scored} visible tokens scored with top 5, median`, figures.surpriseMedian, TARGETS.surprise);
    row(`surprise: ${scored} visible tokens, slowest run`, figures.surpriseMax);
    if (browser.report) console.log(`\n  page report: ${JSON.stringify(browser.report.charts)}; screenshot ${browser.screenshot}`);
    if (busy) console.log(`  note: the machine is loaded (load average ${load.toFixed(2)} on ${cpus} cores): compare the ratios to the reference`);
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ backend: report.name, referenceMs, ...figures, load }, null, 2));
  } finally {
    client.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
