// The webgpu backend computes what the cpu backend computes: one training step (the loss and the
// gradient of every parameter), the logits, a greedy generation with the KV cache, and three Trainer
// steps of a decoder and of an encoder (masked-language-model loss and accuracy), from the same weights and batch (backendParity.child.ts, one process per backend: a TensorFlow.js backend is
// global to its process).
//
// Machines without a GPU (CI, this container) run WebGPU on SwiftShader, the software Vulkan driver
// that Debian's `chromium` package ships, through the Vulkan loader of `libvulkan1`. The test points
// the loader at it itself (VK_ICD_FILENAMES, XDG_RUNTIME_DIR) in the child's environment only; a real
// user's GPU needs none of that. Without those packages the test fails and names them.

import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeAdapter } from '../../src/engine/backends/webgpu';
import { compareParity, PARITY_SHAPE, type ParityComparison, type ParityResult } from './backendParity.child';
import { requirePackages, requirements } from './requirements';

const root = path.resolve(__dirname, '..', '..');
const child = path.join(__dirname, 'backendParity.child.ts');
const register = path.join(root, 'scripts', 'ts-register.js');

const TOLERANCE = 1e-3;

/**
 * The environment of the webgpu child: on Linux, Vulkan through SwiftShader only (so the result does not
 * depend on which GPU, if any, the machine has); elsewhere (macOS: Metal, Windows: D3D12) the real adapter.
 * Throws, naming what to install, when it cannot be set up.
 */
function webgpuEnvironment(): NodeJS.ProcessEnv {
  try {
    require.resolve('webgpu/package.json');
  } catch {
    throw new Error("The optional package 'webgpu' (Dawn for Node) is not installed: run `npm install` (it is in optionalDependencies).");
  }
  if (process.platform !== 'linux') return { ...process.env };
  requirePackages(['chromium', 'libvulkan1'], `WebGPU on SwiftShader (${requirements.swiftshaderIcd()}, a software Vulkan driver)`);
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-xdg-'));
  fs.chmodSync(runtimeDir, 0o700);
  return { ...process.env, VK_ICD_FILENAMES: requirements.swiftshaderIcd(), XDG_RUNTIME_DIR: runtimeDir };
}

function runChild(backend: string, env: NodeJS.ProcessEnv, dir: string): Promise<ParityResult> {
  const out = path.join(dir, `${backend}.json`);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-r', register, child, backend, out], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => (output += d));
    proc.stderr.on('data', (d) => (output += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0 || !fs.existsSync(out)) {
        reject(new Error(`the ${backend} side exited with ${code}:\n${output.trim()}`));
        return;
      }
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as ParityResult);
    });
  });
}

describe('backend parity: webgpu computes what cpu computes', function () {
  this.timeout(240_000);
  let cpu: ParityResult;
  let gpu: ParityResult;
  let diff: ParityComparison;

  before(async function () {
    const env = webgpuEnvironment(); // throws with the apt packages to install
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-parity-'));
    try {
      [cpu, gpu] = await Promise.all([runChild('cpu', { ...process.env }, dir), runChild('webgpu', env, dir)]);
      diff = compareParity(gpu, cpu);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      if (env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR !== process.env.XDG_RUNTIME_DIR) fs.rmSync(env.XDG_RUNTIME_DIR, { recursive: true, force: true });
    }
  });

  it('ran each side on its backend', () => {
    assert.strictEqual(cpu.backend, 'cpu');
    assert.strictEqual(gpu.backend, 'webgpu');
    if (process.platform === 'linux') assert.match(gpu.device, /SwiftShader/i, `webgpu ran on ${gpu.device}`);
  });

  it('raised no WebGPU device error (a dropped command buffer would make results silently wrong)', () => {
    assert.deepStrictEqual(gpu.errors, []);
  });

  it('gives the same loss and the same gradient for every parameter', () => {
    assert.ok(diff.loss < TOLERANCE, `loss: webgpu ${gpu.loss}, cpu ${cpu.loss} (relative error ${diff.loss})`);
    const names = Object.keys(cpu.grads).sort();
    assert.deepStrictEqual(Object.keys(gpu.grads).sort(), names, 'the same parameters have gradients');
    assert.ok(names.length >= 10, `only ${names.length} gradients`);
    const bad = diff.gradients.filter((e) => !(e.error < TOLERANCE));
    assert.deepStrictEqual(bad, [], `gradients differ beyond ${TOLERANCE}: ${bad.map((e) => `${e.name} ${e.error.toExponential(2)}`).join(', ')}`);
    const all = Math.max(...diff.gradients.map((e) => e.error));
    console.log(
      `      webgpu (${gpu.device}) vs cpu: loss ${diff.loss.toExponential(2)}, worst gradient ${diff.worstGradient.name} ` +
        `${diff.worstGradient.error.toExponential(2)} (${names.length} tensors; all, zero ones against 1e-3 × the largest: ` +
        `${all.toExponential(2)}); ${(gpu.ms / 1000).toFixed(1)} s vs ${(cpu.ms / 1000).toFixed(1)} s`,
    );
  });

  it('draws the same dropout masks (a shader on webgpu): the same loss and gradients with dropout', () => {
    assert.notStrictEqual(cpu.dropoutLoss, cpu.loss, 'dropout changed the loss');
    assert.ok(diff.dropoutLoss < TOLERANCE, `loss with dropout: webgpu ${gpu.dropoutLoss}, cpu ${cpu.dropoutLoss} (relative error ${diff.dropoutLoss})`);
    const bad = diff.dropoutGradients.filter((e) => !(e.error < TOLERANCE));
    assert.deepStrictEqual(bad, [], `gradients with dropout differ beyond ${TOLERANCE}: ${bad.map((e) => `${e.name} ${e.error.toExponential(2)}`).join(', ')}`);
  });

  it('takes the same encoder step: bidirectional attention, the masked-language-model loss and every gradient', () => {
    assert.ok(diff.encoderLoss < TOLERANCE, `encoder loss: webgpu ${gpu.encoderLoss}, cpu ${cpu.encoderLoss}`);
    assert.ok(diff.encoderGradients.length >= 10);
    const bad = diff.encoderGradients.filter((e) => !(e.error < TOLERANCE));
    assert.deepStrictEqual(bad, [], `encoder gradients differ beyond ${TOLERANCE}: ${bad.map((e) => `${e.name} ${e.error.toExponential(2)}`).join(', ')}`);
    assert.ok(diff.encoderAttention < TOLERANCE, `encoder attention relative error ${diff.encoderAttention}`);
    const T = PARITY_SHAPE.time;
    const above = gpu.encoderAttention.filter((v, i) => i % T > Math.floor(i / T) % T && v > 1e-6).length;
    assert.ok(above > 0, 'the encoder attends to later positions on webgpu');
  });

  it('gives the same logits', () => {
    assert.ok(diff.logits < TOLERANCE, `logits relative error ${diff.logits}`);
  });

  it('takes the same three AdamW steps in the Trainer with dropout, the third resumed from a snapshot (fused shaders on webgpu, JavaScript on cpu)', () => {
    assert.strictEqual(gpu.optimizerPath, 'webgpu');
    assert.strictEqual(cpu.optimizerPath, 'js');
    assert.strictEqual(gpu.trainLosses.length, 3);
    diff.trainLosses.forEach((error, i) => {
      assert.ok(error < TOLERANCE, `step ${i + 1} loss: webgpu ${gpu.trainLosses[i]}, cpu ${cpu.trainLosses[i]}`);
    });
    diff.gradNorms.forEach((error, i) => {
      assert.ok(error < TOLERANCE, `step ${i + 1} gradient norm: webgpu ${gpu.gradNorms[i]}, cpu ${cpu.gradNorms[i]}`);
    });
    assert.ok(diff.trainedLeftOut.length <= 2 * 2, `at most the key biases are left out, not ${diff.trainedLeftOut.join(', ')}`);
    assert.ok(diff.trained.length >= 10);
    const bad = diff.trained.filter((e) => !(e.error < TOLERANCE));
    assert.deepStrictEqual(bad, [], `parameters after three steps differ: ${bad.map((e) => `${e.name} ${e.error.toExponential(2)}`).join(', ')}`);
  });

  it('takes the same three Trainer steps of an encoder: masks from the seeded Rng, the MLM loss and accuracy, AdamW (fused shaders on webgpu, JavaScript on cpu)', () => {
    assert.strictEqual(gpu.encoderOptimizerPath, 'webgpu');
    assert.strictEqual(cpu.encoderOptimizerPath, 'js');
    assert.strictEqual(gpu.encoderTrainLosses.length, 3);
    assert.ok(diff.sameMasks, `the masks differ: webgpu ${JSON.stringify(gpu.encoderMasking)}, cpu ${JSON.stringify(cpu.encoderMasking)}`);
    assert.ok(cpu.encoderMasking.some((row) => row.branches.some((b) => b !== 0)), 'some position was chosen');
    diff.encoderTrainLosses.forEach((error, i) => {
      assert.ok(error < TOLERANCE, `step ${i + 1} masked loss: webgpu ${gpu.encoderTrainLosses[i]}, cpu ${cpu.encoderTrainLosses[i]}`);
    });
    diff.encoderGradNorms.forEach((error, i) => {
      assert.ok(error < TOLERANCE, `step ${i + 1} gradient norm: webgpu ${gpu.encoderGradNorms[i]}, cpu ${cpu.encoderGradNorms[i]}`);
    });
    // the accuracy is a count of argmaxes at the chosen positions: the same on both sides, and not 0 throughout
    assert.deepStrictEqual(gpu.encoderAccuracies, cpu.encoderAccuracies, 'masked accuracy per step');
    assert.ok(cpu.encoderAccuracies.some((a) => a > 0), `the accuracy is 0 at every step: nothing to compare (${cpu.encoderAccuracies})`);
    assert.ok(cpu.encoderTrainLosses[2] < cpu.encoderTrainLosses[0], `the masked loss falls: ${cpu.encoderTrainLosses}`);
    assert.ok(diff.encoderTrainedLeftOut.length <= 2 * 2, `at most the key biases are left out, not ${diff.encoderTrainedLeftOut.join(', ')}`);
    assert.ok(diff.encoderTrained.length >= 10);
    const bad = diff.encoderTrained.filter((e) => !(e.error < TOLERANCE));
    assert.deepStrictEqual(bad, [], `encoder parameters after three steps differ: ${bad.map((e) => `${e.name} ${e.error.toExponential(2)}`).join(', ')}`);
  });

  it('generates the same tokens greedily', () => {
    assert.strictEqual(gpu.tokens.length, cpu.tokens.length);
    assert.ok(cpu.tokens.length > 0);
    assert.deepStrictEqual(
      gpu.tokens,
      cpu.tokens,
      `greedy tokens differ; smallest top-2 logit margin on cpu: ${Math.min(...cpu.margins)} (generated with ${cpu.generatedWith})`,
    );
  });
});

describe('webgpu backend selection', function () {
  this.timeout(60_000);

  function isolated(body: string, env: NodeJS.ProcessEnv, hideWebgpu = false): any {
    const hook = hideWebgpu
      ? `const Module = require('module'); const load = Module._load;
         Module._load = function (request, ...rest) {
           if (request === 'webgpu') { const e = new Error("Cannot find module 'webgpu'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
           return load.call(this, request, ...rest);
         };`
      : '';
    const script = `${hook}
      const backend = require('./src/engine/backends/index.ts');
      const tf = require('@tensorflow/tfjs-core');
      (async () => { ${body} })().then((r) => { console.log(JSON.stringify(r)); process.exit(0); },
        (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(0); });`;
    const proc = spawnSync(process.execPath, ['-r', register, '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(proc.status, 0, proc.stderr);
    const lines = proc.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  }

  it('auto passes over a software adapter and says so; an explicit request takes it', () => {
    const env = webgpuEnvironment();
    const result = isolated(
      `const auto = await backend.initBackend('auto');
       const explicit = await backend.initBackend('webgpu');
       return { auto, explicit, now: tf.getBackend() };`,
      env,
    );
    assert.strictEqual(result.error, undefined, result.error);
    const attempt = result.auto.tried.find((t: { backend: string }) => t.backend === 'webgpu');
    assert.ok(attempt, 'auto tried webgpu');
    if (process.platform === 'linux') {
      assert.strictEqual(attempt.ok, false);
      assert.match(attempt.reason, /software adapter.*SwiftShader/);
      assert.notStrictEqual(result.auto.name, 'webgpu');
      assert.match(result.explicit.tried[0].reason, /^WebGPU on SwiftShader/);
    }
    assert.strictEqual(result.explicit.name, 'webgpu');
    assert.strictEqual(result.now, 'webgpu');
  });

  it('says how to install the webgpu package when it is missing', () => {
    const result = isolated(
      `const auto = await backend.initBackend('auto');
       let error; try { await backend.initBackend('webgpu'); } catch (e) { error = e.message; }
       return { auto, error };`,
      { ...process.env },
      true,
    );
    const attempt = result.auto.tried.find((t: { backend: string }) => t.backend === 'webgpu');
    assert.deepStrictEqual(attempt, { backend: 'webgpu', ok: false, reason: "the optional package 'webgpu' is not installed (npm install webgpu@0.6.2)" });
    assert.match(result.error, /^The webgpu backend is not available \(webgpu: the optional package 'webgpu' is not installed/);
  });

  it('tells software adapters from GPUs', () => {
    const adapter = (info: NonNullable<Parameters<typeof describeAdapter>[0]['info']>) =>
      describeAdapter({ info, features: { has: () => false }, limits: {}, requestDevice: async () => ({}) });
    const swift = adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true });
    assert.strictEqual(swift.software, true);
    assert.strictEqual(swift.name, 'SwiftShader driver 5.0.0 (google, software)');
    assert.strictEqual(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software, true);
    const nvidia = adapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' });
    assert.strictEqual(nvidia.software, false);
    assert.strictEqual(nvidia.name, 'NVIDIA H100 80GB HBM3 (hopper)');
  });
});
