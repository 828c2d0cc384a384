#!/usr/bin/env node
// `npm run bench:hf`: a 124M-parameter GPT-2 (GPT2Config()'s defaults: 12 layers × 12 heads × 768, context
// 1024, vocabulary 50257) imported from a transformers folder and run on the CPU backends.
// A benchmark, not a test: it prints figures, it asserts nothing.
//
// The folder is built here, nothing is downloaded: transformers makes the model with random weights
// (save_pretrained), and the tokenizer is GPT-2's own encoding (r50k_base) written as a tokenizer.json by
// the engine's converter (src/engine/hf/tokenizerFiles.ts). It is kept in <cache>/bench-hf-gpt2 for the next run.
//
// For each backend (child processes, one each, so that memory is the backend's own):
//   load        loadCheckpoint of the folder: config, 500 MB of safetensors, the tokenizer, the tensors
//   memory      resident memory after the load, less the process's before it
//   attention   one forward pass with every attention map, for --tokens tokens (default 128)
//   generate    tokens per second of greedy generation with the key/value cache, --new tokens (default 32)
// The reference, in the same run: PyTorch on the CPU loading the same folder and generating the same number of
// tokens (model.generate, greedy, with its cache), with 1 and with 2 threads (on a machine whose cores other
// jobs use, PyTorch's second thread waits for a core and slows it down several times), and the ratio to the
// faster of the two.
// Options: --backends native,wasm (default), --tokens N, --new N, --json FILE, --folder DIR (a GPT-2 folder of
// your own instead, e.g. one downloaded from the hub: config.json, model.safetensors, tokenizer.json).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDescription, option, require, root } from './bench-common.mjs';

const requirements = require('./scripts/system-requirements.cjs');
const BACKENDS = option('backends', 'native,wasm').split(',');
const TOKENS = Number(option('tokens', 128));
const NEW = Number(option('new', 32));
const JSON_OUT = option('json');
const PROMPT = 'The notes say that the model reads every token of the text, and then';

const FOLDER = option('folder');
const cacheDir = FOLDER ? path.resolve(FOLDER) : path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || '/tmp', '.cache'), 'lm-explorer', 'bench-hf-gpt2');

const MAKE = String.raw`
import sys, torch
from transformers import GPT2Config, GPT2LMHeadModel
torch.manual_seed(0)
GPT2LMHeadModel(GPT2Config()).save_pretrained(sys.argv[1])
`;

const REFERENCE = String.raw`
import json, sys, time, torch
from transformers import GPT2LMHeadModel
from tokenizers import Tokenizer
folder, prompt, new, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
t0 = time.perf_counter()
model = GPT2LMHeadModel.from_pretrained(folder).eval()
load = time.perf_counter() - t0
ids = torch.tensor([Tokenizer.from_file(folder + "/tokenizer.json").encode(prompt).ids])
with torch.no_grad():
    model.generate(ids, max_new_tokens=2, do_sample=False)
    t0 = time.perf_counter()
    out = model.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False)
    gen = time.perf_counter() - t0
print(json.dumps({"threads": threads, "loadMs": load * 1000, "tokensPerSecond": (out.shape[1] - ids.shape[1]) / gen}))
`;

function python(args) {
  const r = spawnSync(requirements.testPython(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  if (r.status !== 0) throw new Error(`python failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').pop();
}

function ensureFolder() {
  if (FOLDER) return;
  if (fs.existsSync(path.join(cacheDir, 'model.safetensors')) && fs.existsSync(path.join(cacheDir, 'tokenizer.json'))) return;
  console.log(`building the 124M GPT-2 folder in ${cacheDir} (transformers, random weights)…`);
  fs.mkdirSync(cacheDir, { recursive: true });
  python(['-c', MAKE, cacheDir]);
  const { encodingTokenizerJson } = require(path.join(root, 'src/engine/hf/tokenizerFiles.ts'));
  const json = encodingTokenizerJson('r50k_base');
  json.added_tokens = [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
  fs.writeFileSync(path.join(cacheDir, 'tokenizer.json'), JSON.stringify(json));
}

/** One backend, in this process (the child's side). */
async function runBackend(backend) {
  const { initBackend } = require(path.join(root, 'src/engine/backends/index.ts'));
  const { loadCheckpoint } = require(path.join(root, 'src/engine/checkpoint.ts'));
  const { generate } = require(path.join(root, 'src/engine/generate.ts'));
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const loaded = await loadCheckpoint(cacheDir, { beforeModel: () => initBackend(backend) });
  const loadMs = performance.now() - t0;
  const memoryMB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  const { model, vocab } = loaded;
  const text = Array(20).fill(PROMPT).join(' ');
  const ids = vocab.encode(text).slice(0, TOKENS);
  await model.attentionMaps(ids.slice(0, 8)); // warm-up
  let t = performance.now();
  await model.attentionMaps(ids);
  const attentionMs = performance.now() - t;
  const prompt = vocab.encode(PROMPT);
  await generate(model, vocab, prompt, { maxNewTokens: 2, temperature: 0 });
  t = performance.now();
  const out = await generate(model, vocab, prompt, { maxNewTokens: NEW, temperature: 0 });
  const tokensPerSecond = out.ids.length / ((performance.now() - t) / 1000);
  const actual = require('@tensorflow/tfjs-core').getBackend();
  process.stdout.write(JSON.stringify({ backend: actual, parameters: model.parameterCounts().total, loadMs, memoryMB, attentionMs, tokens: ids.length, tokensPerSecond }) + '\n');
}

async function main() {
  if (process.argv[2] === '--child') return runBackend(process.argv[3]);
  ensureFolder();
  console.log(`${FOLDER ? 'the GPT-2' : '124M GPT-2'} from ${cacheDir}; attention over ${TOKENS} tokens, ${NEW} generated tokens (greedy, cached); machine: ${machineDescription()}`);
  const results = [];
  for (const backend of BACKENDS) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', backend, ...process.argv.slice(2)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    const line = r.stdout.trim().split('\n').pop();
    if (r.status !== 0 || !line?.startsWith('{')) {
      console.log(`${backend}: failed\n${r.stderr.split('\n').slice(-8).join('\n')}`);
      continue;
    }
    results.push(JSON.parse(line));
  }
  const references = [1, 2].map((threads) => JSON.parse(python(['-c', REFERENCE, cacheDir, PROMPT, String(NEW), String(threads)])));
  const reference = references.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
  const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log('backend   parameters    load        memory      attention         generate');
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(9)} ${f(r.parameters).padStart(11)}   ${`${f(r.loadMs)} ms`.padStart(9)}   ${`${f(r.memoryMB)} MB`.padStart(9)}   ${`${f(r.attentionMs)} ms / ${r.tokens}`.padStart(15)}   ` +
        `${f(r.tokensPerSecond, 2)} tok/s (${f(r.tokensPerSecond / reference.tokensPerSecond, 2)}× PyTorch)`,
    );
  }
  for (const r of references) console.log(`PyTorch (CPU, ${r.threads} thread${r.threads > 1 ? 's' : ''}): load ${f(r.loadMs)} ms, generate ${f(r.tokensPerSecond, 2)} tok/s`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ results, references }, null, 2));
}

await main();
