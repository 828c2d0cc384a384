#!/usr/bin/env node
// npm run bench:gpu [-- options]
//
// Training throughput of the engine on every TensorFlow.js backend found here, and — where python3 has
// torch with CUDA — of PyTorch eager on the same GPU, same configuration, in the same call:
//
//   configuration  the `medium` preset: 6 layers, 6 heads, 384 dims, context 256, batch 64
//                  (nanoGPT's shakespeare-char), char vocabulary of ../shared/corpus/tinyshakespeare.txt
//   a step         the engine's Trainer.trainStep (forward, backward, clipping, AdamW, loss read back)
//   tokens/s       timed steps × batch × context ÷ their wall time, after warm-up steps timed apart
//   target         engine on the GPU ÷ PyTorch eager on the same GPU ≥ 0.5
//
// Each backend runs in its own process (scripts/bench-gpu-run.ts). WebGPU uses whatever adapter Dawn
// finds; a software adapter (SwiftShader, lavapipe) is never timed — it says so. On Linux without a GPU,
// when Debian's chromium SwiftShader is installed, webgpu is additionally run once on it with the tiny
// preset as a correctness check (not timed).
//
// Options: --preset tiny|small|medium  --batch N  --steps N (timed, default 10)  --warmup N (default 2)
//          --budget S (seconds of timed steps per backend, default 120; at least one step runs)
//          --timeout S (per backend process, default 900)  --backends tensorflow,webgpu,wasm,cpu
//          --corpus FILE  --json FILE (write the results)  --no-torch  --torch-cpu (PyTorch on the CPU too)
//          --runner FILE (a bundled bench-gpu-run.js, run with plain node: what `npm run pack:device` packs)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SWIFTSHADER_ICD = process.env.LMX_SWIFTSHADER_ICD || '/usr/lib/chromium/vk_swiftshader_icd.json';
const PRESET_SHAPES = {
  tiny: { nLayer: 2, nHead: 2, nEmbd: 64, contextLength: 64 },
  small: { nLayer: 4, nHead: 4, nEmbd: 128, contextLength: 128 },
  medium: { nLayer: 6, nHead: 6, nEmbd: 384, contextLength: 256 },
};

function parseArgs(argv) {
  const o = {
    preset: 'medium',
    batch: 64,
    steps: 10,
    warmup: 2,
    budget: 120,
    timeout: 900,
    backends: ['tensorflow', 'webgpu', 'wasm', 'cpu'],
    corpus: path.resolve(root, '..', 'shared', 'corpus', 'tinyshakespeare.txt'),
    json: undefined,
    torch: true,
    torchCpu: false,
    runner: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--preset') o.preset = value();
    else if (arg === '--batch') o.batch = Number(value());
    else if (arg === '--steps') o.steps = Number(value());
    else if (arg === '--warmup') o.warmup = Number(value());
    else if (arg === '--budget') o.budget = Number(value());
    else if (arg === '--timeout') o.timeout = Number(value());
    else if (arg === '--backends') o.backends = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--corpus') o.corpus = path.resolve(value());
    else if (arg === '--json') o.json = path.resolve(value());
    else if (arg === '--no-torch') o.torch = false;
    else if (arg === '--torch-cpu') o.torchCpu = true;
    else if (arg === '--runner') o.runner = path.resolve(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 23).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${arg}`);
  }
  if (!PRESET_SHAPES[o.preset]) throw new Error(`--preset must be one of ${Object.keys(PRESET_SHAPES).join(', ')}`);
  for (const k of ['batch', 'steps', 'warmup', 'budget', 'timeout']) {
    if (!(Number.isFinite(o[k]) && o[k] >= (k === 'warmup' ? 0 : 1))) throw new Error(`--${k} must be a number ≥ ${k === 'warmup' ? 0 : 1}`);
  }
  if (!fs.existsSync(o.corpus)) throw new Error(`corpus not found: ${o.corpus}`);
  if (o.runner && !fs.existsSync(o.runner)) throw new Error(`runner not found: ${o.runner}`);
  return o;
}

/** Runs a command, returns { code, stdout, stderr, timedOut }; stderr is passed through as it comes. */
function run(command, args, { env = process.env, timeoutS, cwd = root, echo = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = timeoutS
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutS * 1000)
      : undefined;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (echo) process.stderr.write(String(d).replace(/^/gm, '    │ '));
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(error), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function lastJson(text) {
  const line = text.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

async function benchBackend(backend, o, { env = process.env, software = 'skip' } = {}) {
  const options = { backend, preset: o.preset, batch: o.batch, steps: o.steps, warmup: o.warmup, budgetSeconds: o.budget, corpus: o.corpus, software };
  const started = Date.now();
  const runner = o.runner ? [o.runner] : ['-r', './scripts/ts-register.js', 'scripts/bench-gpu-run.ts'];
  const r = await run(process.execPath, [...runner, JSON.stringify(options)], { env, timeoutS: o.timeout });
  const result = lastJson(r.stdout);
  if (result) return result;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const tokens = o.batch * PRESET_SHAPES[o.preset].contextLength;
  const wasmHeap = backend === 'wasm' && /RuntimeError: Aborted\(|out of memory/i.test(r.stderr);
  const reason = r.timedOut
    ? `timed out after ${seconds} s (${o.warmup} warm-up + 1 step not done: below ${(tokens / o.timeout).toFixed(1)} tokens/s)`
    : wasmHeap
      ? `out of WebAssembly memory at batch ${o.batch} (the wasm heap is capped at 4 GB)`
      : `exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  return { status: r.timedOut ? 'timeout' : 'failed', backend, device: '-', reason, wasmHeap };
}

/** The environment of a webgpu child with its own runtime directory (the Vulkan loader wants one). */
function webgpuEnv(extra) {
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-xdg-'));
  fs.chmodSync(runtimeDir, 0o700);
  return { ...process.env, ...extra, XDG_RUNTIME_DIR: runtimeDir };
}

function linuxSwiftShaderEnv() {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || !fs.existsSync(SWIFTSHADER_ICD)) return undefined;
  return webgpuEnv({ VK_ICD_FILENAMES: SWIFTSHADER_ICD });
}

/**
 * The CPU's share of a webgpu step, on Dawn's Null backend (every WebGPU call validated and recorded,
 * nothing run): a GPU step cannot take less, whatever the GPU. Needs no GPU, so it runs everywhere.
 */
async function benchHostShare(o) {
  const env = webgpuEnv({ LMX_DAWN_BACKEND: 'null' });
  try {
    const result = await benchBackend('webgpu', o, { env, software: 'host' });
    return { ...result, backend: 'webgpu (CPU share)', ceilingBatch: o.batch };
  } finally {
    fs.rmSync(env.XDG_RUNTIME_DIR, { recursive: true, force: true });
  }
}

/** python3 with torch: { ok, cuda, version, gpu } or { ok: false, reason }. */
function probeTorch() {
  const code = 'import json, torch; c = torch.cuda.is_available(); print(json.dumps({"version": torch.__version__, "cuda": c, "gpu": torch.cuda.get_device_name(0) if c else None}))';
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { ok: false, reason: `python3 not found (${r.error.code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `python3 has no usable torch: ${(r.stderr || '').trim().split('\n').pop()}` };
  const info = lastJson(r.stdout);
  return info ? { ok: true, ...info } : { ok: false, reason: 'could not read torch version' };
}

async function benchTorch(o, device) {
  const s = PRESET_SHAPES[o.preset];
  const args = [
    'scripts/bench_torch_gpu.py', o.corpus, '--device', device,
    '--layers', String(s.nLayer), '--heads', String(s.nHead), '--dim', String(s.nEmbd), '--context', String(s.contextLength),
    '--batch', String(o.batch), '--steps', String(o.steps), '--warmup', String(Math.max(1, o.warmup)),
  ];
  if (device === 'cpu') args.push('--threads', String(os.cpus().length));
  const r = await run('python3', args, { timeoutS: o.timeout });
  const result = lastJson(r.stdout);
  if (result) return { status: 'ok', ...result, backend: device === 'cpu' ? 'pytorch (cpu)' : 'pytorch (cuda)' };
  return { status: r.timedOut ? 'timeout' : 'failed', backend: `pytorch (${device})`, device: '-', reason: r.timedOut ? 'timed out' : r.stderr.trim().split('\n').pop() };
}

const fmt = (n) => (n === undefined ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** One line for a result: its speed, or what it measured instead, or why it did not run. */
function describe(r) {
  if (r.tokensPerSecond !== undefined) return `${fmt(r.tokensPerSecond)} tokens/s on ${r.device}${r.dispatchesPerStep ? `, ${Math.round(r.dispatchesPerStep)} dispatches a step` : ''}`;
  if (r.status === 'host') {
    const tokens = r.ceilingBatch * r.config.contextLength;
    return `${r.hostMsPerStep.toFixed(1)} ms of CPU a step, ${Math.round(r.dispatchesPerStep)} dispatches: at most ${fmt((tokens / r.hostMsPerStep) * 1000)} tokens/s at batch ${r.ceilingBatch}`;
  }
  return r.reason ?? '';
}

function table(rows) {
  const header = ['backend', 'device', 'tokens/s', 'steps', 'warm-up s', 'AdamW', 'note'];
  const cells = rows.map((r) => [
    r.backend,
    r.device ?? '-',
    fmt(r.tokensPerSecond),
    r.steps !== undefined && r.status !== 'checked' ? String(r.steps) : '',
    r.warmupSeconds !== undefined ? r.warmupSeconds.toFixed(1) : '',
    r.optimizer ?? '',
    r.status === 'ok' ? (r.errors ? `WebGPU errors: ${r.errors[0]}` : r.dispatchesPerStep ? `${Math.round(r.dispatchesPerStep)} dispatches a step` : '') : r.status === 'host' ? describe(r) : r.status === 'checked' ? `software adapter, not timed (tiny preset ran, loss ${r.loss?.toFixed(3)})` : r.reason ?? r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((s, i) => (i === c.length - 1 ? s : i === 2 ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The engine's best run on a hardware GPU: webgpu on a real adapter, or tensorflow using CUDA. */
function engineOnGpu(rows) {
  const gpu = rows.filter((r) => r.status === 'ok' && (r.backend === 'webgpu' || (r.backend === 'tensorflow' && /CUDA GPU/.test(r.device))));
  return gpu.sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const s = PRESET_SHAPES[o.preset];
  console.log(
    `bench:gpu — preset ${o.preset} (${s.nLayer} layers, ${s.nHead} heads, ${s.nEmbd} dims, context ${s.contextLength}), batch ${o.batch}, ` +
      `${o.warmup} warm-up + up to ${o.steps} timed steps (budget ${o.budget} s) per backend; ${path.relative(process.cwd(), o.corpus)}; ` +
      `${os.cpus().length} CPUs, Node ${process.version}`,
  );
  const rows = [];
  for (const backend of o.backends) {
    console.log(`\n→ ${backend}`);
    let result = await benchBackend(backend, o);
    if (backend === 'webgpu' && result.status !== 'ok') {
      // No hardware adapter: run the same code on SwiftShader once, tiny and untimed, as a correctness check.
      const env = linuxSwiftShaderEnv();
      if (env) {
        rows.push(result);
        console.log(`  ${result.reason}; checking on SwiftShader (${SWIFTSHADER_ICD})`);
        result = await benchBackend('webgpu', o, { env, software: 'check' });
        result = { ...result, backend: 'webgpu (SwiftShader)' };
        fs.rmSync(env.XDG_RUNTIME_DIR, { recursive: true, force: true });
      }
    }
    if (backend === 'webgpu') {
      rows.push(result);
      console.log(`  ${result.status}: ${describe(result)}`);
      console.log(`\n→ webgpu's CPU share (Dawn's Null backend: recorded, not run)`);
      result = await benchHostShare(o);
    }
    if (result.wasmHeap && o.batch > 8) {
      // the configuration does not fit in wasm's 4 GB heap: measure the same model at batch 8 instead
      rows.push(result);
      console.log(`  ${result.reason}; measuring at batch 8 instead`);
      result = { ...(await benchBackend(backend, { ...o, batch: 8 })), backend: `${backend} (batch 8)` };
    }
    rows.push(result);
    console.log(`  ${result.status}: ${describe(result)}`);
  }

  let torch = { ok: false, reason: 'skipped (--no-torch)' };
  if (o.torch || o.torchCpu) {
    torch = probeTorch();
    if (torch.ok && torch.cuda && o.torch) {
      console.log(`\n→ PyTorch ${torch.version} eager on ${torch.gpu}`);
      rows.push(await benchTorch(o, 'cuda'));
    } else if (o.torch) {
      const reason = torch.ok ? `torch ${torch.version} has no CUDA device: no GPU reference` : torch.reason;
      rows.push({ status: 'skipped', backend: 'pytorch (cuda)', device: '-', reason });
    }
    if (torch.ok && o.torchCpu) {
      console.log(`\n→ PyTorch ${torch.version} eager on the CPU`);
      rows.push(await benchTorch(o, 'cpu'));
    }
  }

  console.log(`\n${table(rows)}`);
  const engine = engineOnGpu(rows);
  const reference = rows.find((r) => r.backend === 'pytorch (cuda)' && r.status === 'ok');
  let ratio;
  if (engine && reference) {
    ratio = engine.tokensPerSecond / reference.tokensPerSecond;
    console.log(
      `\nengine (${engine.backend}) ÷ PyTorch eager on ${reference.device}: ${ratio.toFixed(2)} ` +
        `(target ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
    );
  } else {
    console.log(
      `\nno GPU ratio: ${engine ? '' : 'the engine found no hardware GPU (webgpu adapter or CUDA)'}${!engine && !reference ? '; ' : ''}` +
        `${reference ? '' : 'no PyTorch CUDA run'} — run on a machine with a GPU for the engine ÷ PyTorch figure.`,
    );
  }
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify({ options: o, results: rows, ratio, date: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version } }, null, 2));
    console.log(`results written to ${o.json}`);
  }
}

main().catch((error) => {
  console.error(`bench:gpu: ${error.message}`);
  process.exit(1);
});
