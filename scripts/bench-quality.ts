// npm run bench:quality [-- FOLDER] [--json FILE] [--no-torch] [--set key=value …]
//
// How well default training learns a folder of notes (default: sample-workspace/), through the same path
// and with the same defaults as the extension's Train Model on Workspace (src/engine/trainingRun.ts, which
// lmx train and the engine worker share; the backend is `auto`, as the extension's default). Prints:
//   - the corpus size, and what `auto` chose and why;
//   - the best and the kept validation loss, in nats per token and bits per byte, with their steps;
//   - wall time (saves included, as in the extension) and training tokens/s;
//   - on the same split: the uniform guess, and the conditional bits per byte of gzip -9 and brotli -11,
//     (compressed(train + val) − compressed(train)) · 8 / |val|, with Node's zlib;
//   - where python3 with torch is present, scripts/bench_quality_torch.py: a character-level GPT with
//     dropout trained on the same split for the same wall time, and the ratio of the two.
// --set key=value overrides one of the run's settings (RunSettings), for tuning experiments.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as zlib from 'zlib';
import { initBackend } from '../src/engine/backends';
import { saveCheckpoint } from '../src/engine/checkpoint';
import { GPT } from '../src/engine/model';
import { Trainer } from '../src/engine/training';
import type { RunSettings } from '../src/engine/runSettings';
import { buildTrainingRun, runTraining } from '../src/engine/trainingRun';
import { collectDocuments } from '../src/cli/corpusFiles';

const root = path.resolve(__dirname, '..');

function parse(argv: string[]) {
  const o = { folder: path.join(root, 'sample-workspace'), json: undefined as string | undefined, torch: true, settings: {} as Partial<RunSettings> };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = argv[++i];
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--set') {
      const [key, value] = argv[++i].split('=');
      (o.settings as Record<string, unknown>)[key] = Number.isNaN(Number(value)) ? value : Number(value);
    } else if (a.startsWith('-')) {
      console.error(`bench:quality: unknown option ${a}\nusage: npm run bench:quality -- [FOLDER] [--json FILE] [--no-torch] [--set key=value]`);
      process.exit(2);
    } else o.folder = path.resolve(a);
  }
  return o;
}

const fmt = (n: number, digits = 3) => n.toFixed(digits);

function conditionalBitsPerByte(train: Uint8Array, val: Uint8Array, compress: (b: Buffer) => Buffer): number {
  const both = compress(Buffer.concat([Buffer.from(train), Buffer.from(val)])).length;
  const alone = compress(Buffer.from(train)).length;
  return ((both - alone) * 8) / val.length;
}

function machine(): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${load}`;
}

async function main() {
  const o = parse(process.argv.slice(2));
  const documents = await collectDocuments([o.folder], (line) => console.error(line));
  const backend = await initBackend('auto');
  const machineBefore = machine();
  const started = performance.now();
  const run = await buildTrainingRun(
    documents.map((d) => d.text),
    o.settings,
  );
  const { sizes, plan } = run;
  console.log(`folder: ${path.relative(process.cwd(), o.folder) || '.'} — ${sizes.documents} files, ${(sizes.trainBytes + sizes.valBytes).toLocaleString('en-US')} bytes`);
  console.log(
    `corpus: ${sizes.tokens.toLocaleString('en-US')} tokens (${sizes.trainTokens.toLocaleString('en-US')} train / ${sizes.valTokens.toLocaleString('en-US')} validation, ` +
      `${sizes.trainBytes.toLocaleString('en-US')} / ${sizes.valBytes.toLocaleString('en-US')} bytes), vocabulary ${sizes.vocabSize} (${sizes.tokenizer}, byte fallback)`,
  );
  console.log(`backend: ${backend.name}; machine: ${machineBefore}`);
  console.log('auto chose:');
  for (const reason of plan.reasons) console.log(`  ${reason}`);

  const model = new GPT(run.config, run.settings.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-quality-'));
  const evals: { step: number; valLoss: number }[] = [];
  let trainTokens = 0;
  let trainMs = 0;
  const outcome = await runTraining(run, model, undefined, {
    save: (state, kept) => saveCheckpoint(path.join(dir, 'model'), model, run.vocab, state, kept ? { kept } : {}),
    onProgress: (p) => {
      if (p.valLoss !== undefined) evals.push({ step: p.step, valLoss: p.valLoss });
      trainTokens = (p.step) * plan.batchSize * plan.contextLength;
      trainMs = p.elapsedMs;
    },
  });
  const wallMs = performance.now() - started;
  // The kept model is what the features use: measure it again, as they would get it.
  const check = new Trainer(model, run.corpus, { ...run.trainOptions, optimizer: 'js' });
  const keptLoss = (await check.evaluate())!;
  check.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  const best = evals.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
  const kept = outcome.kept!;
  const bpb = (loss: number) => (loss * sizes.valTokens) / (sizes.valBytes * Math.LN2);
  const uniform = Math.log(sizes.vocabSize);
  const gzip = conditionalBitsPerByte(run.trainBytes, run.valBytes, (b) => zlib.gzipSync(b, { level: 9 }));
  const brotli = conditionalBitsPerByte(run.trainBytes, run.valBytes, (b) =>
    zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }),
  );

  console.log('');
  console.log(outcome.message);
  console.log(`best validation:  step ${best.step}, ${fmt(best.valLoss)} nats/token, ${fmt(bpb(best.valLoss))} bits/byte`);
  console.log(`kept model:       step ${kept.step}, ${fmt(keptLoss)} nats/token, ${fmt(bpb(keptLoss))} bits/byte (${fmt((100 * (keptLoss - best.valLoss)) / best.valLoss, 2)}% from the best)`);
  console.log(`last validation:  step ${evals[evals.length - 1].step}, ${fmt(evals[evals.length - 1].valLoss)} nats/token, ${fmt(bpb(evals[evals.length - 1].valLoss))} bits/byte`);
  console.log(`uniform guess:    ${fmt(uniform)} nats/token, ${fmt(bpb(uniform))} bits/byte (kept model ${keptLoss < uniform ? 'better' : 'WORSE'})`);
  console.log(`gzip -9:          ${fmt(gzip)} bits/byte (conditional on the training part)`);
  console.log(`brotli -11:       ${fmt(brotli)} bits/byte (kept model ${bpb(keptLoss) < brotli ? `${fmt(brotli - bpb(keptLoss))} below` : `${fmt(bpb(keptLoss) - brotli)} above`})`);
  const tokensPerSecond = trainMs > 0 ? (trainTokens / trainMs) * 1000 : 0;
  console.log(`time:             ${(wallMs / 1000).toFixed(1)} s wall (${outcome.result.step} steps, saves included), ${Math.round(tokensPerSecond).toLocaleString('en-US')} training tokens/s`);

  let torch: Record<string, number> | undefined;
  let torchNote = '';
  if (o.torch) {
    const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) torchNote = 'python3 with torch is not installed here (pip install torch numpy): no PyTorch reference';
    else {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-bench-torch-'));
      fs.writeFileSync(path.join(tmp, 'train.txt'), run.trainBytes);
      fs.writeFileSync(path.join(tmp, 'val.txt'), run.valBytes);
      const r = spawnSync('python3', [path.join(root, 'scripts', 'bench_quality_torch.py'), path.join(tmp, 'train.txt'), path.join(tmp, 'val.txt'), String(wallMs / 1000), '2'], { encoding: 'utf8' });
      fs.rmSync(tmp, { recursive: true, force: true });
      if (r.status !== 0) torchNote = `the PyTorch reference failed: ${r.stderr.trim().split('\n').pop()}`;
      else {
        torch = JSON.parse(r.stdout.trim().split('\n').pop()!);
        console.log(
          `PyTorch char GPT: 4 layers × 128, dropout 0.2, ${torch!.steps} steps in ${fmt(torch!.seconds, 1)} s (2 threads): best step ${torch!.bestStep}, ` +
            `${fmt(torch!.bestValLoss)} nats/char, ${fmt(torch!.bestBitsPerByte)} bits/byte; engine/PyTorch ${fmt(bpb(keptLoss) / torch!.bestBitsPerByte)} ` +
            `(${bpb(keptLoss) < torch!.bestBitsPerByte ? 'engine better' : 'PyTorch better'})`,
        );
      }
    }
    if (torchNote) console.log(torchNote);
  }
  console.log(`machine after:    ${machine()}`);

  if (o.json) {
    fs.writeFileSync(
      o.json,
      JSON.stringify(
        {
          folder: o.folder,
          backend: backend.name,
          sizes,
          plan,
          message: outcome.message,
          best: { ...best, bitsPerByte: bpb(best.valLoss) },
          kept: { step: kept.step, valLoss: keptLoss, bitsPerByte: bpb(keptLoss) },
          evals,
          uniform: { valLoss: uniform, bitsPerByte: bpb(uniform) },
          gzip,
          brotli,
          wallMs,
          tokensPerSecond,
          torch: torch ?? torchNote,
          machine: { before: machineBefore, after: machine() },
        },
        null,
        2,
      ) + '\n',
    );
  }
  model.dispose();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench:quality: ${(error as Error)?.stack ?? error}`);
    process.exit(1);
  },
);
