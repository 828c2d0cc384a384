// The backend-parity check of test/unit/backendParity.test.ts as a report, for a machine with a real GPU
// (the test itself always runs WebGPU on SwiftShader on Linux, so that CI and every developer get the
// same result). Runs one training step, the logits, three Trainer (AdamW) steps (the third resumed from a snapshot), three
// Trainer steps of an encoder (masked-language-model loss and accuracy) and a greedy generation on
// `webgpu` — whatever adapter Dawn finds — and on `cpu`, each in its own process, and prints the relative
// errors. Exit code 0 when every one is under 1e-3 and the tokens are the same.
//
//   node -r ./scripts/ts-register.js scripts/parity-report.ts [--swiftshader] [--json FILE]
//   (or the bundle that `npm run pack:device` makes: node parity-report.js …)
//
// --swiftshader runs the webgpu side on Debian chromium's SwiftShader, as the test does.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareParity, runParity, type ParityResult } from '../test/unit/backendParity.child';

const TOLERANCE = 1e-3;
const SWIFTSHADER_ICD = process.env.LMX_SWIFTSHADER_ICD || '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Runs this same script as `--side BACKEND OUT` in a child process (same flags, e.g. -r ts-register). */
function runSide(backend: string, out: string, env: NodeJS.ProcessEnv): Promise<ParityResult> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, process.argv[1], '--side', backend, out];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && fs.existsSync(out)) resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as ParityResult);
      else reject(new Error(`the ${backend} side exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

async function report(args: string[]): Promise<number> {
  const jsonAt = args.indexOf('--json');
  const json = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-parity-'));
  const gpuEnv: NodeJS.ProcessEnv = { ...process.env };
  if (args.includes('--swiftshader')) {
    gpuEnv.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpuEnv.XDG_RUNTIME_DIR = dir;
  }
  try {
    const [cpu, gpu] = await Promise.all([runSide('cpu', path.join(dir, 'cpu.json'), process.env), runSide('webgpu', path.join(dir, 'webgpu.json'), gpuEnv)]);
    const d = compareParity(gpu, cpu);
    const e = (x: number) => x.toExponential(2);
    const worstTrained = d.trained.reduce((a, b) => (b.error > a.error ? b : a));
    const worstAll = Math.max(...d.gradients.map((g) => g.error));
    const worstDropout = d.dropoutGradients.reduce((a, b) => (b.error > a.error ? b : a));
    const worstEncoder = d.encoderTrained.reduce((a, b) => (b.error > a.error ? b : a));
    const sameAccuracy = gpu.encoderAccuracies.join() === cpu.encoderAccuracies.join();
    const ok =
      [d.loss, worstAll, d.dropoutLoss, worstDropout.error, d.logits, ...d.trainLosses, ...d.gradNorms, worstTrained.error, ...d.encoderTrainLosses, ...d.encoderGradNorms, worstEncoder.error].every(
        (x) => x < TOLERANCE,
      ) &&
      d.sameTokens &&
      d.sameMasks &&
      sameAccuracy &&
      gpu.errors.length === 0;
    const lines = [
      `backend parity: webgpu (${gpu.device}) against cpu, relative errors (limit ${TOLERANCE})`,
      `  loss                  ${e(d.loss)}`,
      `  gradients             worst ${d.worstGradient.name} ${e(d.worstGradient.error)} (${d.gradients.length} tensors; with the zero ones: ${e(worstAll)})`,
      `  with dropout          loss ${e(d.dropoutLoss)}; worst gradient ${worstDropout.name} ${e(worstDropout.error)}`,
      `  logits                ${e(d.logits)}`,
      `  3 AdamW steps         losses ${d.trainLosses.map(e).join(', ')}; gradient norms ${d.gradNorms.map(e).join(', ')}; worst parameter ${worstTrained.name} ${e(worstTrained.error)} (AdamW on ${gpu.optimizerPath})`,
      `  3 encoder steps       masked losses ${d.encoderTrainLosses.map(e).join(', ')}; gradient norms ${d.encoderGradNorms.map(e).join(', ')}; worst parameter ${worstEncoder.name} ${e(worstEncoder.error)}; ` +
        `masks ${d.sameMasks ? 'the same' : 'DIFFERENT'}; accuracy ${sameAccuracy ? `the same (${cpu.encoderAccuracies.map((a) => a.toFixed(3)).join(', ')})` : `DIFFERENT: webgpu ${gpu.encoderAccuracies}, cpu ${cpu.encoderAccuracies}`} (AdamW on ${gpu.encoderOptimizerPath})`,
      `  greedy tokens         ${d.sameTokens ? `the same ${cpu.tokens.length}` : `DIFFERENT: webgpu [${gpu.tokens}], cpu [${cpu.tokens}]`}`,
      `  WebGPU device errors  ${gpu.errors.length ? gpu.errors.join(' | ') : 'none'}`,
      `  time                  webgpu ${(gpu.ms / 1000).toFixed(1)} s, cpu ${(cpu.ms / 1000).toFixed(1)} s`,
      ok ? 'parity: OK' : 'parity: FAILED',
    ];
    console.log(lines.join('\n'));
    if (json) fs.writeFileSync(json, JSON.stringify({ ok, device: gpu.device, comparison: d }, null, 2));
    return ok ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(args: string[]): Promise<number> {
  if (args[0] === '--side') {
    fs.writeFileSync(args[2], JSON.stringify(await runParity(args[1] as Parameters<typeof runParity>[0])));
    return 0;
  }
  return report(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code), // Dawn need not be torn down politely
  (error) => {
    console.error(`parity-report: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
