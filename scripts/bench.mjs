#!/usr/bin/env node
// npm run bench [-- options]
//
// Training throughput and quality of the real `lmx` (dist/cli.js, rebuilt first when a source is newer) on
// nanoGPT's "baby" Shakespeare configuration, beside the PyTorch reference trainer on the same data:
//
//   configuration  4 layers, 4 heads, 128 dims, context 64, batch 12, character tokenizer,
//                  ../shared/corpus/tinyshakespeare.txt (relative to the repository's parent folder)
//   optimiser      AdamW lr 1e-3, β2 0.99, weight decay 0.1, 100 warm-up steps, cosine to 1e-4, clip 1.0 —
//                  as ../shared/bench/torch_baseline.py, which is run with the same steps on 1 thread and on 2
//                  (torch.set_num_threads), each engine row divided by both
//   ceiling        one core's AVX2/FMA SGEMM (about 150 GFLOP/s) at about 5 MFLOP per token of a training step:
//                  some 30,000 tokens/s per core; "of ceiling" is tokens/s ÷ (30,000 × the run's threads)
//   dropout        0, as the baseline, unless --dropout P (the engine's cost of dropout: compare P with 0)
//   tokens/s       training steps × 12 × 64 ÷ their time (evaluation and saving excluded), as the baseline
//   val loss       mean of 50 validation batches after the last step, as the baseline
//   peak RSS       of the training process (the CLI reports its own; the baseline's is measured by a wrapper)
//
// The cpu backend (plain JavaScript) is some 20 times slower than wasm: it runs --cpu-steps (default 10), so its
// tokens/s are comparable but its losses are those of an earlier step. `native@1` is the native backend on one
// thread (LMX_NATIVE_THREADS=1), for comparison with the one-thread baseline on a shared machine. On the native
// backend a step is the fused native step (src/engine/training/fusedStep.ts); a `+tfjs` suffix (native+tfjs,
// native@1+tfjs) runs the TensorFlow.js path there instead (LMX_FUSED_STEP=0), the reference it replaced.
// --small adds the `small` preset (context 128) with the default GPT tokenizer (o200k_base) and an 8k
// vocabulary on the default backend, --small-steps steps (default 20), with the share of the step spent in the
// output layer (logits, cross-entropy and their gradients; from the fused step's timers, LMX_PROFILE=1); it has
// no PyTorch counterpart. --profile prints where the fused step's time goes, phase by phase, for each native row.
// --kind encoder adds, after each backend's row, the same run as an encoder (lmx train --kind encoder: bidirectional
// attention, masked-language-model loss at 15% of the tokens) and the encoder's tokens/s ÷ the decoder's. Its
// tokens/s count every token of a row, as the decoder's; its loss is the masked-token loss (no Δ against PyTorch).
// The fused native step is causal: on native the encoder trains on the TensorFlow.js path.
//
// Options: --steps N (default 100; 2000 for the val-loss comparison)  --cpu-steps N (default 10)
//          --backends auto,native@1,native+tfjs,wasm,cpu (default; any of auto, tensorflow, webgpu, native, native@N,
//          native+tfjs, wasm, cpu)  --small  --small-steps N  --profile  --corpus FILE  --no-torch
//          --json FILE (write the results)  --dropout P (default 0)  --kind decoder|encoder (default decoder)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared');

function usage(message) {
  if (message) console.error(`bench: ${message}`);
  console.error('usage: npm run bench -- [--steps N] [--cpu-steps N] [--backends auto,cpu] [--small] [--small-steps N] [--profile] [--corpus FILE] [--no-torch] [--json FILE] [--dropout P] [--kind decoder|encoder]');
  process.exit(2);
}

function parseOptions(argv) {
  const o = {
    steps: 100, cpuSteps: 10, backends: ['auto', 'native@1', 'native+tfjs', 'wasm', 'cpu'], corpus: path.join(shared, 'corpus', 'tinyshakespeare.txt'),
    torch: true, json: undefined, small: false, smallSteps: 20, dropout: 0, profile: false, kind: 'decoder',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--steps') {
      o.steps = Number(value());
      if (!Number.isInteger(o.steps) || o.steps < 1) usage('--steps must be a positive whole number');
    } else if (a === '--cpu-steps') {
      o.cpuSteps = Number(value());
      if (!Number.isInteger(o.cpuSteps) || o.cpuSteps < 1) usage('--cpu-steps must be a positive whole number');
    } else if (a === '--small-steps') {
      o.smallSteps = Number(value());
      o.small = true;
      if (!Number.isInteger(o.smallSteps) || o.smallSteps < 1) usage('--small-steps must be a positive whole number');
    } else if (a === '--dropout') {
      o.dropout = Number(value());
      if (!(o.dropout >= 0 && o.dropout < 1)) usage('--dropout must be a number from 0 to below 1');
    } else if (a === '--kind') {
      o.kind = value();
      if (o.kind !== 'decoder' && o.kind !== 'encoder') usage('--kind must be decoder or encoder');
    } else if (a === '--small') o.small = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--backends') o.backends = value().split(',').filter(Boolean);
    else if (a === '--corpus') o.corpus = path.resolve(value());
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--json') o.json = path.resolve(value());
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return o;
}

/** Rebuilds dist/ when dist/cli.js is older than any source file, esbuild.js or package.json. */
function buildIfStale() {
  const bundle = path.join(root, 'dist', 'cli.js');
  const newest = (dir) => {
    let t = 0;
    if (!fs.existsSync(dir)) return t;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      t = Math.max(t, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
    }
    return t;
  };
  const sources = Math.max(newest(path.join(root, 'src')), ...['esbuild.js', 'package.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs));
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= sources) return;
  console.log('building dist/ (sources changed) …');
  const build = spawnSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('bench: the build failed');
    process.exit(1);
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (options.echo) process.stderr.write(d);
    });
    child.on('error', (error) => resolve({ status: -1, stdout, stderr: stderr + String(error) }));
    child.on('exit', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function engine(spec, o, out, variant = 'baby', kind = 'decoder') {
  fs.rmSync(out, { recursive: true, force: true });
  // native@N: the native backend on N threads; +tfjs: its TensorFlow.js training path instead of the fused step
  const tfjsPath = spec.endsWith('+tfjs');
  const [backend, threads] = spec.replace(/\+tfjs$/, '').split('@');
  const env = { ...process.env, LMX_PROFILE: '1' };
  if (threads) env.LMX_NATIVE_THREADS = threads;
  if (tfjsPath) env.LMX_FUSED_STEP = '0';
  const steps = variant === 'small' ? o.smallSteps : backend === 'cpu' ? Math.min(o.cpuSteps, o.steps) : o.steps;
  const model = variant === 'small'
    ? ['--preset', 'small', '--max-vocab', '8192', '--batch-size', '12', '--eval-batches', '10']
    : ['--preset', 'small', '--context', '64', '--tokenizer', 'char', '--batch-size', '12', '--eval-batches', '50'];
  const args = [
    path.join(root, 'dist', 'cli.js'), 'train', o.corpus, '--out', out, '--force', ...model, '--steps', String(steps),
    '--lr', '1e-3', '--min-lr', '1e-4', '--warmup', '100', '--weight-decay', '0.1', '--beta2', '0.99', '--grad-clip', '1.0',
    // validation once, after the last step (and no early stop): the figures are the training's alone
    '--eval-interval', String(steps), '--patience', '0', '--checkpoint-interval', '0', '--seed', '1337', '--dropout', String(o.dropout), '--backend', backend, '--json',
    ...(kind === 'encoder' ? ['--kind', 'encoder'] : []),
  ];
  console.log(`\n== engine${variant === 'small' ? ' (small preset, o200k_base, 8k vocabulary)' : ''}${kind === 'encoder' ? ' [encoder]' : ''}, backend ${spec}: ${threads ? `LMX_NATIVE_THREADS=${threads} ` : ''}${tfjsPath ? 'LMX_FUSED_STEP=0 ' : ''}node ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const started = Date.now();
  const result = await run(process.execPath, args, { echo: true, env });
  fs.rmSync(out, { recursive: true, force: true });
  if (result.status !== 0) {
    // the last line that is not a progress line says why
    const said = result.stderr.trim().split('\n').filter((l) => l && !/^step \d+\//.test(l)).pop() ?? '';
    return { backend: spec, variant, kind, ok: false, reason: `exit ${result.status ?? result.signal}: ${said}` };
  }
  const summary = JSON.parse(result.stdout.trim().split('\n').pop());
  // the fused step's timers, printed when it is disposed (LMX_PROFILE=1)
  const profileLine = result.stderr.split('\n').find((l) => l.startsWith(PROFILE_PREFIX));
  const profile = profileLine ? JSON.parse(profileLine.slice(PROFILE_PREFIX.length)) : undefined;
  return {
    backend: spec,
    variant,
    kind,
    ok: true,
    steps,
    threads: profile?.threads ?? (threads ? Number(threads) : summary.backend === 'native' ? Math.min(4, os.cpus().length) : undefined),
    fused: profile !== undefined,
    profile,
    used: summary.backend,
    tokensPerSecond: summary.tokensPerSecond,
    valLoss: summary.valLoss,
    trainLoss: summary.loss,
    parameters: summary.parameters,
    peakRssMB: summary.maxRssBytes / 2 ** 20,
    wallSeconds: (Date.now() - started) / 1000,
  };
}

// PROFILE_LINE_PREFIX of src/engine/training/fusedStep.ts
const PROFILE_PREFIX = 'lmx fused-step profile ';

function torchAvailable() {
  const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error) return `python3 is not available (${probe.error.message})`;
  if (probe.status !== 0) return `python3 cannot import torch (${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}

async function torch(o, threads) {
  const script = path.join(shared, 'bench', 'torch_baseline.py');
  if (!fs.existsSync(script)) return { ok: false, reason: `${script} is missing` };
  // Run through a wrapper that reports the child's peak RSS (ru_maxrss of RUSAGE_CHILDREN, in KiB on Linux).
  const wrapper = [
    'import resource, subprocess, sys',
    'p = subprocess.run([sys.executable] + sys.argv[1:])',
    'print("maxrss_kib", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)',
    'sys.exit(p.returncode)',
  ].join('\n');
  const args = ['-c', wrapper, script, o.corpus, String(o.steps), String(threads)];
  console.log(`\n== PyTorch baseline, ${threads} thread${threads > 1 ? 's' : ''}: python3 ${path.relative(root, script)} ${o.corpus} ${o.steps} ${threads}`);
  const started = Date.now();
  const result = await run('python3', args, { env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  process.stdout.write(result.stdout);
  if (result.status !== 0) return { ok: false, reason: result.stderr.trim().split('\n').pop() };
  const line = /iters (\d+) time ([\d.]+)s tok\/s (\d+) train_loss ([\d.]+) val_loss ([\d.]+)/.exec(result.stdout);
  const rss = /maxrss_kib (\d+)/.exec(result.stdout);
  if (!line) return { ok: false, reason: `unexpected output: ${result.stdout.trim()}` };
  return {
    ok: true,
    threads,
    tokensPerSecond: Number(line[3]),
    trainLoss: Number(line[4]),
    valLoss: Number(line[5]),
    parameters: Number(/params (\d+)/.exec(result.stdout)?.[1] ?? NaN),
    peakRssMB: rss ? Number(rss[1]) / 1024 : undefined,
    wallSeconds: (Date.now() - started) / 1000,
  };
}

function fmt(n, digits = 0) {
  return n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(o.corpus)) {
    console.error(`bench: the corpus ${o.corpus} is missing. It is expected in shared/corpus/ beside the repository (${shared}); or pass --corpus FILE.`);
    process.exit(2);
  }
  buildIfStale();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-'));
  const rows = [];
  try {
    for (const backend of o.backends) {
      rows.push(await engine(backend, o, path.join(out, backend.replace('@', '-'))));
      if (o.kind === 'encoder') rows.push(await engine(backend, o, path.join(out, `${backend.replace('@', '-')}-encoder`), 'baby', 'encoder'));
    }
    if (o.small) rows.push(await engine('auto', o, path.join(out, 'small'), 'small'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const torchRuns = [];
  const why = o.torch ? torchAvailable() : 'skipped (--no-torch)';
  if (!why) for (const threads of [1, 2]) torchRuns.push(await torch(o, threads));
  const [torch1, torch2] = torchRuns;

  console.log(`\n== results: 4 layers × 4 heads × 128 dims, context 64, batch 12, char tokenizer, dropout ${o.dropout} (PyTorch: 0), ${os.cpus().length} CPUs (load ${os.loadavg()[0].toFixed(1)})`);
  const header = ['run', 'steps', 'tokens/s', 'val loss', 'Δ val', 'train loss', 'peak RSS MB', '÷ PyTorch 1t', '÷ PyTorch 2t', 'of ceiling'];
  const table = [header];
  const ratio = (r, t) => (t?.ok && r.variant !== 'small' && r.kind !== 'encoder' ? `${(r.tokensPerSecond / t.tokensPerSecond).toFixed(2)}×` : '-');
  const ofCeiling = (tps, threads) => (threads ? `${((100 * tps) / (CEILING_PER_CORE * threads)).toFixed(0)}% (${threads}t)` : '-');
  for (const r of rows) {
    const label = `engine ${r.backend}${r.variant === 'small' ? ' [small preset, o200k 8k vocab]' : ''}${r.kind === 'encoder' ? ' [encoder]' : ''}`;
    if (!r.ok) {
      table.push([label, '', 'failed', r.reason ?? '', '', '', '', '', '', '']);
      continue;
    }
    const delta = torch1?.ok && r.variant !== 'small' && r.kind !== 'encoder' && r.valLoss !== undefined ? (r.valLoss - torch1.valLoss).toFixed(3) : '-';
    table.push([
      `${label}${r.used !== r.backend.replace(/\+tfjs$/, '').split('@')[0] ? ` (${r.used})` : ''}${r.fused ? ' fused' : ''}`,
      String(r.steps), fmt(r.tokensPerSecond), fmt(r.valLoss, 3), delta, fmt(r.trainLoss, 3), fmt(r.peakRssMB),
      ratio(r, torch1), ratio(r, torch2), r.variant === 'small' ? '-' : ofCeiling(r.tokensPerSecond, r.threads),
    ]);
  }
  for (const t of torchRuns) {
    if (t.ok) table.push([`PyTorch (CPU, ${t.threads} thread${t.threads > 1 ? 's' : ''})`, String(o.steps), fmt(t.tokensPerSecond), fmt(t.valLoss, 3), '0.000', fmt(t.trainLoss, 3), fmt(t.peakRssMB), ratio(t, torch1), ratio(t, torch2), ofCeiling(t.tokensPerSecond, t.threads)]);
    else table.push(['PyTorch', '', '-', t.reason, '', '', '', '', '', '']);
  }
  if (why) table.push(['PyTorch', '', '-', why, '', '', '', '', '', '']);
  printTable(table);
  if (torch1?.ok) {
    console.log('÷ PyTorch Nt = engine tokens/s ÷ PyTorch tokens/s on N threads; Δ val = val loss − PyTorch (1 thread) val loss. The baseline has biases and tied embeddings like the engine.');
  }
  for (const r of rows) {
    if (r.kind !== 'encoder' || !r.ok) continue;
    const decoder = rows.find((d) => d.ok && d.kind === 'decoder' && d.variant === r.variant && d.backend === r.backend);
    if (decoder) {
      console.log(
        `encoder ÷ decoder on ${r.backend}: ${fmt(r.tokensPerSecond)} ÷ ${fmt(decoder.tokensPerSecond)} tokens/s = ${(r.tokensPerSecond / decoder.tokensPerSecond).toFixed(2)}×` +
          `${decoder.fused && !r.fused ? ' (the decoder on the fused native step, the encoder on the TensorFlow.js path)' : ''}; the encoder's val loss is its masked-token loss`,
      );
    }
  }
  console.log(`of ceiling = tokens/s ÷ (${fmt(CEILING_PER_CORE)} tokens/s per core × the run's threads): one core's AVX2/FMA SGEMM at ~150 GFLOP/s, ~5 MFLOP a token.`);
  for (const r of rows) {
    if (!r.ok || !r.profile) continue;
    const share = outputShare(r.profile);
    if (r.variant === 'small') console.log(`small preset (o200k_base, 8k vocabulary): ${fmt(r.tokensPerSecond)} tokens/s; output layer (logits, cross-entropy and their gradients) ${(100 * share).toFixed(1)}% of the step's thread time`);
    if (o.profile || r.variant === 'small') printProfile(`engine ${r.backend}${r.variant === 'small' ? ' [small preset]' : ''}`, r.profile);
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ steps: o.steps, dropout: o.dropout, kind: o.kind, engine: rows, torch: torchRuns.length ? torchRuns : { ok: false, reason: why } }, null, 2) + '\n');
  process.exit(rows.every((r) => r.ok) ? 0 : 1);
}

/** Tokens per second per core at full matrix-product speed (see the header). */
const CEILING_PER_CORE = 30_000;

function printTable(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i] ?? '').length)));
  for (const row of table) console.log(row.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  '));
}

/** The output layer's share of the fused step's thread time. */
function outputShare(profile) {
  const total = Object.values(profile.phases).reduce((a, b) => a + b, 0);
  return total > 0 ? ((profile.phases.outputForward ?? 0) + (profile.phases.outputBackward ?? 0)) / total : 0;
}

function printProfile(label, profile) {
  const total = Object.values(profile.phases).reduce((a, b) => a + b, 0);
  console.log(`\n== where the fused step's time goes: ${label}, ${profile.steps} steps, ${profile.threads} thread(s); ms per step summed over the threads`);
  const table = [['phase', 'ms/step', 'share']];
  for (const [name, ms] of Object.entries(profile.phases).sort((a, b) => b[1] - a[1])) {
    if (ms > 0) table.push([name, (ms / Math.max(1, profile.steps)).toFixed(2), `${((100 * ms) / total).toFixed(1)}%`]);
  }
  table.push(['total', (total / Math.max(1, profile.steps)).toFixed(2), '100%']);
  printTable(table);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
