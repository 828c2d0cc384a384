// `npm run bench:tokens`: how fast the token features are on 1 MB of mixed Polish/English text.
// A benchmark, not a test: it prints figures (and marks the 300 ms target for 1 MB), it asserts nothing.
//
// For each encoding:
//   load        first use of the encoding (its merge ranks are read lazily)
//   tokenPieces the engine's tokenPieces(text) — IDs, offsets and bytes of every token
//   table       the compact table the overlay keeps (tokenPieces + typed arrays)
//   worker      the same through the worker thread, as the extension does for texts over 64 KB
//   stats       the status bar's tokens · words · chars
//   screen      laying out one screen (60 lines) of decorations: window search, labels, whitespace marks,
//               offsets → line/column, as the overlay does on every scroll
//   edit        one character typed somewhere in the 1 MB text: re-tokenizing the lines around it and
//               splicing them into the table (tokenSplice.ts), as the overlay does on every edit
// Times are the median of several runs (the first, which loads the encoding, is reported separately).
//
// Then 1 MB of pathological input for each encoding — one character repeated (a ruler of "=", spaces, one
// letter, a Polish letter, newlines) and a soup of punctuation — each of which the pre-split leaves as one
// long piece: tokenPieces once each, beside gpt-tokenizer's own encode of 30 KB of the same (its merge is
// quadratic in the piece's length).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineDescription, machineLoad, median, require, root, runBenchmark, sampleNotes } from './bench-common.mjs';

const { ENCODINGS, tokenPieces } = require(path.join(root, 'src/engine/tokenizer.ts'));
const { tokenTable, textStats } = require(path.join(root, 'src/features/tokens/core/tokenTable.ts'));
const { TokenizeService } = require(path.join(root, 'src/worker/tokens/client.ts'));
const { layoutWindow, tokenWindow } = require(path.join(root, 'src/features/tokens/core/tokenLayout.ts'));
const { spliceTable } = require(path.join(root, 'src/features/tokens/core/tokenSplice.ts'));

const SIZE = 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 5);
const TARGET_MS = 300;
const SCREEN_LINES = 60;

/** 1 MiB of the sample notes (Polish and English), repeated and interleaved. */
function mixedText() {
  const notes = sampleNotes();
  let text = '';
  for (let i = 0; text.length < SIZE; i++) text += notes[i % notes.length] + '\n';
  return text.slice(0, SIZE);
}

function time(fn) {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

async function timeAsync(fn) {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Line starts, for offset → (line, column) the way TextDocument.positionAt does it. */
function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionAt(starts, offset) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/** One screen of decorations around `line`, as TokenOverlay.render builds them. */
function layoutScreen(table, text, starts, line) {
  const from = Math.max(0, line - 40);
  const to = Math.min(starts.length - 1, line + SCREEN_LINES + 40);
  const lo = starts[from];
  const hi = to + 1 < starts.length ? starts[to + 1] - 1 : text.length;
  const window = tokenWindow(table, lo, hi, 3000);
  const layout = layoutWindow(table, table.ids, text, window, { whitespace: true });
  let ranges = 0;
  for (const b of layout.backgrounds) {
    positionAt(starts, b.start);
    positionAt(starts, b.end);
    ranges++;
  }
  for (const l of layout.labels) {
    positionAt(starts, l.at);
    ranges++;
  }
  for (const m of layout.whitespace) {
    positionAt(starts, m.at);
    ranges++;
  }
  return { tokens: window.last - window.first, ranges };
}

/** 1 MiB made of one long pre-split piece each. */
function pathologicalInputs() {
  let seed = 11;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const alphabet = '=-_*#~^.,;:!?()[]{}<>/|@$%&+';
  let soup = '';
  while (soup.length < SIZE) soup += alphabet[Math.floor(random() * alphabet.length)];
  return [
    ['"=" ruler', '='.repeat(SIZE)],
    ['spaces', ' '.repeat(SIZE)],
    ['"a"', 'a'.repeat(SIZE)],
    ['"ą"', 'ą'.repeat(SIZE / 2)],
    ['newlines', '\n'.repeat(SIZE)],
    ['punctuation', soup],
  ];
}

function pathological() {
  const inputs = pathologicalInputs();
  console.log(`\n1 MiB of one long piece (one run each): tokenPieces, and gpt-tokenizer's own encode of the first 30 KiB`);
  console.log('encoding'.padEnd(24) + inputs.map(([name]) => name.padStart(14)).join(''));
  for (const encoding of ENCODINGS) {
    const ours = inputs.map(([, text]) => fmt(time(() => tokenPieces(text, encoding)).ms).padStart(14));
    console.log(`${encoding}, 1 MiB`.padEnd(24) + ours.join(''));
    const library = require(`gpt-tokenizer/cjs/encoding/${encoding}`).default;
    const theirs = inputs.map(([, text]) => fmt(time(() => library.encode(text.slice(0, 30 * 1024), { disallowedSpecial: new Set() })).ms).padStart(14));
    console.log('  gpt-tokenizer, 30 KiB'.padEnd(24) + theirs.join(''));
  }
}

function buildWorker() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-'));
  const outfile = path.join(dir, 'tokenWorker.js');
  require('esbuild').buildSync({
    entryPoints: [path.join(root, 'src/worker/tokens/worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return { dir, outfile };
}

const fmt = (ms) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`.padStart(9);

async function main() {
  const text = mixedText();
  const starts = lineStarts(text);
  const words = text.split(/\s+/).length;
  console.log(`LM Explorer token benchmark — ${(text.length / 1024).toFixed(0)} KiB of mixed Polish/English notes, ` +
    `${starts.length} lines, ~${words} words; ${machineDescription()}`);
  const { load, cpus, busy } = machineLoad();
  console.log(`median of ${RUNS} runs; target: tokenPieces of 1 MB < ${TARGET_MS} ms`);
  if (busy) console.log(`(the machine is busy — load ${load.toFixed(1)} on ${cpus} CPUs — so these times are high)`);
  console.log('');
  const worker = buildWorker();
  const service = new TokenizeService({ workerPath: worker.outfile, threshold: () => 64 * 1024 });
  const header = ['encoding', 'tokens', 'load', 'tokenPieces', 'table', 'worker', 'stats', 'screen', 'edit', ''];
  console.log(header.map((h, i) => (i < 2 ? h.padEnd(i === 0 ? 12 : 8) : h.padStart(13))).join(''));
  const rows = [];
  try {
    for (const encoding of ENCODINGS) {
      const load = time(() => tokenPieces('warm up ąę 🎉', encoding)).ms;
      const first = time(() => tokenPieces(text, encoding));
      const pieces = [];
      for (let i = 0; i < RUNS; i++) pieces.push(time(() => tokenPieces(text, encoding)).ms);
      const tables = [];
      let table;
      for (let i = 0; i < RUNS; i++) {
        const t = time(() => tokenTable(text, encoding));
        tables.push(t.ms);
        table = t.result;
      }
      await service.tokenize('warm the worker up', encoding); // inline (small)
      await service.tokenize(text.slice(0, 70_000), encoding); // worker: loads the encoding there
      const workers = [];
      for (let i = 0; i < RUNS; i++) workers.push((await timeAsync(() => service.tokenize(text, encoding))).ms);
      const stats = [];
      for (let i = 0; i < RUNS; i++) stats.push(time(() => textStats(text, encoding)).ms);
      const screens = [];
      let screen;
      for (let i = 0; i < 25; i++) {
        const line = Math.floor(((i + 1) / 26) * (starts.length - SCREEN_LINES));
        const t = time(() => layoutScreen(table, text, starts, line));
        screens.push(t.ms);
        screen = t.result;
      }
      const edits = [];
      for (let i = 0; i < 25; i++) {
        const at = Math.floor(((i + 1) / 26) * text.length);
        const edited = `${text.slice(0, at)}x${text.slice(at)}`;
        const change = { start: at, oldEnd: at, newEnd: at + 1 };
        edits.push((await timeAsync(() => spliceTable(table, edited, change, (part) => tokenTable(part, encoding), 16 * 1024))).ms);
      }
      const row = {
        encoding,
        tokens: first.result.length,
        load,
        tokenPieces: median(pieces),
        table: median(tables),
        worker: median(workers),
        stats: median(stats),
        screen: median(screens),
        edit: median(edits),
        screenTokens: screen.tokens,
        screenRanges: screen.ranges,
      };
      rows.push(row);
      const ok = row.tokenPieces < TARGET_MS ? '  ✓' : '  ✗ over target';
      console.log(
        row.encoding.padEnd(12) +
          String(row.tokens).padEnd(8) +
          [row.load, row.tokenPieces, row.table, row.worker, row.stats, row.screen, row.edit].map((ms) => fmt(ms).padStart(13)).join('') +
          ok,
      );
    }
  } finally {
    service.dispose();
    fs.rmSync(worker.dir, { recursive: true, force: true });
  }
  pathological();
  const s = rows[0];
  console.log(`\none screen = ${SCREEN_LINES} visible lines + 40 above and below: ~${s.screenTokens} tokens, ~${s.screenRanges} decoration ranges`);
  console.log('worker = round trip through the worker thread (post the text, tokenize, transfer the typed arrays back)');
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(rows, null, 2));
}

runBenchmark(main);
