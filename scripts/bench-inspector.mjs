#!/usr/bin/env node
// `npm run bench:inspector`: how fast each view of the Model Inspector is, on the `small` preset (4 layers ×
// 4 heads × 128 channels, context 128) with an 8k vocabulary (8192 tokens). A benchmark, not a test: it
// prints figures beside the targets, it asserts nothing.
//
//   worker      in the engine worker (dist/worker.js), request 'inspect': reading the tables and computing
//               the answer, as the worker measures it (target: under 50 ms)
//   round trip  the extension's path to it: EngineClient → worker → structured clone back
//   render      headless Chromium running the real page bundle, dist/webview/inspector.js: from the page
//               receiving the answer to the drawn frame
//   total       round trip + render: the command to the drawn view without VS Code's own message passing
//               (target: under 300 ms)
//   --vscode    also the real thing: the extension in the VS Code test host (code-server + Chromium; see
//               scripts/vscode-host/), the same checkpoint loaded, each view shown through the extension's
//               API; from the command to the page's report that it drew.
//   reference   a plain loop in this process ranking one row of the 8192 × 128 table by cosine against all
//               rows (what "nearest tokens" must at least do): each figure is also given as a multiple of it,
//               which says more than milliseconds on a machine shared with other work.
// Times are medians of several runs after a warm-up. Options: --runs N (default 7), --json FILE, --vscode.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundlePage, ensureBuilt, fmt, inChromium, inVsCode, machineDescription, machineLoad, median, option, require, root, runBenchmark, sampleNotes } from './bench-common.mjs';

const RUNS = Number(option('runs', process.env.BENCH_RUNS || 7));
const JSON_OUT = option('json');
const VOCAB = 8192;
const WORKER_TARGET_MS = 50;
const TOTAL_TARGET_MS = 300;

const { initBackend, GPT, PRESETS, Vocabulary, encode, saveCheckpoint } = require(path.join(root, 'src/engine/index.ts'));
const { EngineClient } = require(path.join(root, 'src/worker/engine/client.ts'));

/** The requests of the five views, on the sample notes. */
function requests(text) {
  return [
    { view: 'embeddings', text },
    { view: 'nearest', query: { text: ' token' } },
    { view: 'analogy', a: ' król', b: ' mężczyzna', c: ' kobieta', expected: ' królowa' },
    { view: 'architecture', text },
    { view: 'compare', against: { kind: 'initial' }, query: { text: ' token' } },
  ];
}

/** The reference: rank every row of a V × C table by cosine with one of them, in a plain loop. */
function referenceMs(data, V, C) {
  const times = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const t0 = performance.now();
    const q = data.subarray(7 * C, 8 * C);
    const scores = new Float64Array(V);
    for (let r = 0; r < V; r++) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let c = 0; c < C; c++) {
        const x = data[r * C + c];
        ab += x * q[c];
        aa += x * x;
        bb += q[c] * q[c];
      }
      scores[r] = ab / Math.sqrt(aa * bb);
    }
    Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
    if (run > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

function renderInBrowser(answers, runs) {
  return inChromium({ tempPrefix: 'lmx-bench-inspector-', html: bundlePage('inspector'), viewport: { width: 1200, height: 1000 } }, async (page) => {
    const results = {};
    let seq = 1;
    for (const { request, answer } of answers) {
      const times = [];
      let last;
      for (let run = 0; run < runs + 1; run++) {
        last = await page.evaluate(
          ({ message }) =>
            new Promise((resolve) => {
              const before = window.__messages.length;
              window.postMessage(message, '*');
              const poll = () => {
                const m = window.__messages.slice(before).find((x) => x.type === 'rendered' && x.report.seq === message.seq);
                if (m) resolve(m.report);
                else setTimeout(poll, 2);
              };
              poll();
            }),
          { message: { type: 'answer', seq: seq++, answer, request, model: { label: 'bench', step: 0, tokenizer: 'o200k_base', positional: 'learned' }, reveal: true } },
        );
        if (run > 0) times.push(last.renderMs);
      }
      results[request.view] = { ms: median(times), canvases: last.canvases };
    }
    return { results };
  });
}

/** The suite run inside VS Code for --vscode: prints one tagged JSON line with the timings. */
const VSCODE_SUITE = `
const vscode = require('vscode');
exports.run = async function () {
  const say = (line) => console.log(process.env.LMX_TEST_TAG_OUTPUT === '1' ? '@@lmx@@' + line : line);
  const api = await vscode.extensions.getExtension('lm-explorer.lm-explorer').activate();
  const spec = JSON.parse(process.env.LMX_BENCH_SPEC);
  await api.training.loadModel(vscode.Uri.file(spec.model));
  const figures = {};
  for (const request of spec.requests) {
    const runs = [];
    for (let i = 0; i <= spec.runs; i++) {
      const r = await api.inspector.show(request);
      if (!r.ok) throw new Error(r.message);
      runs.push(r.timing);
    }
    figures[request.view] = runs;
  }
  say('@@bench@@' + JSON.stringify(figures));
  api.inspector.close();
};
`;

async function main() {
  ensureBuilt(['dist/worker.js', 'dist/webview/inspector.js']);
  await initBackend('cpu');
  const docs = sampleNotes();
  // The notes' tokens and, to fill the vocabulary up to 8192, the first tokens of the encoding (seen once).
  const filler = Array.from({ length: VOCAB }, (_, i) => i);
  const vocab = Vocabulary.build([...docs.map((d) => encode(d, 'o200k_base')), filler], 'o200k_base', { maxVocab: VOCAB });
  const config = { ...PRESETS.small, vocabSize: vocab.size };
  const seed = 7;
  const model = new GPT(config, seed);
  const text = docs.join('\n').slice(0, 2000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-inspector-'));
  const modelDir = path.join(dir, 'model');
  // A training state of step 0 with the model's seed: what "What training changed" rebuilds the initial weights from.
  const zeros = Object.fromEntries(Object.entries(model.parameterShapes()).map(([name, shape]) => [name, new Float32Array(shape.reduce((a, b) => a * b, 1))]));
  await saveCheckpoint(modelDir, model, vocab, { step: 0, seed, tokensSeen: 0, elapsedMs: 0, optimizer: { m: zeros, v: zeros } });
  const wte = model.getWeights().get('wte');
  model.dispose();
  const reference = referenceMs(wte, vocab.size, config.nEmbd);
  console.log(`LM Explorer inspector benchmark — ${machineDescription()}`);
  console.log(`model: small preset (${config.nLayer} layers × ${config.nHead} heads × ${config.nEmbd} channels), context ${config.contextLength}, vocabulary ${vocab.size}`);
  console.log(`${RUNS} runs after a warm-up, medians; reference (one cosine ranking over the vocabulary, plain loop): ${fmt(reference)}\n`);

  const reqs = requests(text);
  const client = new EngineClient({ workerPath: path.join(root, 'dist', 'worker.js'), modelDir: () => modelDir, backend: () => 'cpu' });
  const figures = {};
  const answers = [];
  try {
    await client.ensureModel();
    for (const request of reqs) {
      const worker = [];
      const trip = [];
      let answer;
      for (let run = 0; run < RUNS + 1; run++) {
        const t0 = performance.now();
        const result = await client.request('inspect', request);
        const ms = performance.now() - t0;
        answer = result.answer;
        if (run > 0) {
          worker.push(result.workerMs);
          trip.push(ms);
        }
      }
      figures[request.view] = { workerMs: median(worker), roundTripMs: median(trip) };
      answers.push({ request, answer });
    }
  } finally {
    client.dispose();
  }
  const browser = await renderInBrowser(answers, Math.max(3, Math.floor(RUNS / 2)));
  const mark = (ms, target) => (ms === undefined ? '' : ms < target ? `✓ < ${target}` : `✗ > ${target}`);
  console.log(`  ${'view'.padEnd(14)} ${'worker'.padStart(10)} ${''.padEnd(8)} ${'round trip'.padStart(11)} ${'render'.padStart(10)} ${'total'.padStart(10)} ${''.padEnd(8)} ${'worker/ref'.padStart(10)}`);
  for (const { view } of reqs) {
    const f = figures[view];
    f.renderMs = browser.results?.[view]?.ms;
    f.totalMs = f.renderMs === undefined ? undefined : f.roundTripMs + f.renderMs;
    f.ratio = f.workerMs / reference;
    console.log(
      `  ${view.padEnd(14)} ${fmt(f.workerMs).padStart(10)} ${mark(f.workerMs, WORKER_TARGET_MS).padEnd(8)} ${fmt(f.roundTripMs).padStart(11)} ${fmt(f.renderMs).padStart(10)} ${fmt(f.totalMs).padStart(10)} ${mark(f.totalMs, TOTAL_TARGET_MS).padEnd(8)} ${f.ratio.toFixed(2).padStart(9)}×`,
    );
  }
  if (browser.skipped) console.log(`  render: skipped (${browser.skipped})`);
  else console.log(`\n  canvases drawn (variance, 0 = blank): ${reqs.map(({ view }) => `${view} ${browser.results[view].canvases.map((c) => c.variance).join('/')}`).join(', ')}`);
  const { load, cpus, busy } = machineLoad();
  if (busy) console.log(`  note: the machine is busy (load ${load.toFixed(1)} on ${cpus} CPUs): wall times are inflated; the ratios to the reference are steadier.`);
  let vscodeFigures;
  if (process.argv.includes('--vscode')) {
    console.log('\n  in VS Code (code-server + headless Chromium), the same checkpoint, each view through the extension:');
    try {
      vscodeFigures = await inVsCode('lmx-bench-inspector-vscode-', VSCODE_SUITE, { model: modelDir, requests: reqs, runs: RUNS });
      for (const { view } of reqs) {
        const [first, ...rest] = vscodeFigures[view];
        const total = median(rest.map((t) => t.totalMs));
        console.log(
          `  ${view.padEnd(14)} command → drawn ${fmt(total).padStart(10)} ${mark(total, TOTAL_TARGET_MS).padEnd(8)} worker ${fmt(median(rest.map((t) => t.workerMs)))}, render ${fmt(median(rest.map((t) => t.renderMs)))} (first ${fmt(first.totalMs)})`,
        );
      }
    } catch (error) {
      console.log(`  skipped: ${error.message}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ vocabSize: vocab.size, referenceMs: reference, figures, vscode: vscodeFigures, load: os.loadavg()[0] }, null, 2));
}

runBenchmark(main);
