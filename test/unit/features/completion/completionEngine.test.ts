// CompletionEngine (src/features/completion/core/completionEngine.ts) with the real engine worker (src/worker/engine/worker.ts
// through ts-register) and a tiny random model on the cpu backend: the suggestion is the engine's greedy
// continuation of the budgeted prompt; a cancelled request stops in the worker, between two tokens; a
// replaced checkpoint is reloaded; no checkpoint and a broken one are told apart. Also generate()'s signal.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../../../src/engine/backends';
import { saveCheckpoint } from '../../../../src/engine/checkpoint';
import { Corpus } from '../../../../src/engine/corpus';
import { generate, samplingDistribution } from '../../../../src/engine/generate';
import { GPT } from '../../../../src/engine/model';
import { encode } from '../../../../src/engine/tokenizer';
import { Rng } from '../../../../src/engine/rng';
import { Trainer } from '../../../../src/engine/training';
import { Vocabulary } from '../../../../src/engine/vocab';
import type { CompletionSettings } from '../../../../src/config';
import { applyStopRule } from '../../../../src/features/completion/core/suggestionText';
import { CompletionEngine } from '../../../../src/features/completion/core/completionEngine';
import { promptTokenBudget } from '../../../../src/features/completion/core/promptWindow';
import { EngineClient } from '../../../../src/worker/engine/client';
import { tokenSource } from '../../fixtures/cancellation';

const WORKER = path.join(__dirname, '..', '..', '..', '..', 'src', 'worker', 'engine', 'worker.ts');
const TEXT = 'the cat sat on the mat. the dog sat on the log. a bird sang in the tree.\n';
const SETTINGS: CompletionSettings = {
  enabled: true,
  languages: ['markdown'],
  temperature: 0,
  topK: 0,
  topP: 1,
  maxTokens: 8,
  stopAt: 'none',
  debounceMs: 0,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CompletionEngine with the engine worker', function () {
  this.timeout(60_000);
  let scratch: string;
  let modelDir: string;
  let vocab: Vocabulary;
  let model: GPT;
  let client: EngineClient;
  let engine: CompletionEngine;

  const config = (v: Vocabulary) => ({ vocabSize: v.size, contextLength: 24, nLayer: 1, nHead: 2, nEmbd: 16, positional: 'learned' as const });

  /** A few steps on the text, so that greedy output is letters rather than the special tokens a random model likes. */
  async function trained(seed: number, steps: number): Promise<GPT> {
    const m = new GPT(config(vocab), seed);
    const corpus = Corpus.fromDocuments([TEXT.repeat(8)], vocab, { blockSize: 24 });
    await new Trainer(m, corpus, { steps, batchSize: 8, learningRate: 0.02, minLearningRate: 0.002, warmupSteps: 2, dropout: 0, evalInterval: 0, checkpointInterval: 0, seed }).run();
    return m;
  }

  /** The engine's own greedy continuation of the budgeted prompt, in this process. */
  async function expected(m: GPT, prompt: string, maxTokens: number): Promise<string> {
    const ids = vocab.encode(prompt);
    const budget = promptTokenBudget(m.config.contextLength, maxTokens);
    const out = await generate(m, vocab, ids.slice(-budget), { maxNewTokens: maxTokens, temperature: 0 });
    return applyStopRule(out.text, 'none');
  }

  before(async () => {
    await initBackend('cpu');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-completion-engine-'));
    modelDir = path.join(scratch, 'model');
    vocab = Vocabulary.build([encode(TEXT, 'char')], 'char');
    model = await trained(7, 150);
    await saveCheckpoint(modelDir, model, vocab);
    client = new EngineClient({ workerPath: WORKER });
    engine = new CompletionEngine({ client, modelDir: () => modelDir, backend: () => 'cpu' });
  });

  after(() => {
    engine?.dispose();
    client?.dispose();
    model?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('suggests the engine’s greedy continuation of the end of the text (the prompt leaves room for the new tokens)', async () => {
    const before = TEXT.repeat(3) + 'the cat s';
    const result = await engine.suggest({ before, lineAfter: '', settings: SETTINGS });
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(result.insertText, await expected(model, before, SETTINGS.maxTokens));
    assert.strictEqual(result.promptTokens, promptTokenBudget(24, SETTINGS.maxTokens));
    assert.strictEqual(result.tokens, SETTINGS.maxTokens);
    assert.ok(result.ms > 0 && result.tokensPerSecond > 0);
    assert.strictEqual(engine.state().kind, 'ready');
    // without the KV cache: the same text
    const uncached = await engine.suggest({ before, lineAfter: '', settings: SETTINGS, useCache: false });
    assert.ok(uncached.ok);
    assert.strictEqual(uncached.insertText, result.insertText);
  });

  it('cancels: the request resolves "cancelled" at once and the worker stops generating', async () => {
    const source = tokenSource();
    const long = { ...SETTINGS, maxTokens: 256 };
    const started = Date.now();
    // without the cache: 256 tokens on the native fused decoder can finish within the 30 ms below
    const pending = engine.suggest({ before: TEXT, lineAfter: '', settings: long, token: source.token, useCache: false });
    await sleep(30);
    source.cancel();
    const result = await pending;
    assert.strictEqual(result.ok, false);
    assert.strictEqual(!result.ok && result.reason, 'cancelled');
    assert.ok(Date.now() - started < 2000);
    // the worker's generate() saw the AbortSignal and stopped between two tokens
    const deadline = Date.now() + 5000;
    for (;;) {
      const status = await client.request('status', {});
      if (!status.running.some((r) => r.method === 'complete')) break;
      assert.ok(Date.now() < deadline, 'the worker still runs the cancelled completion');
      await sleep(10);
    }
    // an already-cancelled token never reaches the worker
    const again = await engine.suggest({ before: TEXT, lineAfter: '', settings: SETTINGS, token: source.token });
    assert.strictEqual(!again.ok && again.reason, 'cancelled');
  });

  it('applies the mid-word rule to the model’s text', async () => {
    const before = 'the cat s';
    const text = await expected(model, before, SETTINGS.maxTokens);
    const rest = text.slice(0, 2);
    const continued = await engine.suggest({ before, lineAfter: `${rest} more`, settings: SETTINGS });
    if (/^[a-z]{2}/.test(rest)) {
      assert.ok(continued.ok, 'the model’s text starts with the rest of the word');
      assert.strictEqual(continued.replaceLength, 2);
    }
    const blocked = await engine.suggest({ before, lineAfter: 'zzz', settings: SETTINGS });
    if (!text.startsWith('zzz')) assert.strictEqual(!blocked.ok && blocked.reason, 'mid-word');
  });

  it('reloads a replaced checkpoint (a training run saved a new one)', async () => {
    const before = 'a bird s';
    const first = await engine.suggest({ before, lineAfter: '', settings: SETTINGS });
    assert.ok(first.ok);
    const versionBefore = engine.version;
    const other = await trained(99, 10);
    try {
      await saveCheckpoint(modelDir, other, vocab);
      await engine.ensureModel(); // starts the reload (answers from the old model meanwhile)
      const deadline = Date.now() + 10_000;
      while (engine.version === versionBefore) {
        assert.ok(Date.now() < deadline, 'the new checkpoint was not loaded');
        await sleep(20);
        await engine.ensureModel();
      }
      const second = await engine.suggest({ before, lineAfter: '', settings: SETTINGS });
      assert.ok(second.ok);
      assert.strictEqual(second.insertText, await expected(other, before, SETTINGS.maxTokens));
    } finally {
      other.dispose();
    }
  });

  it('holds no model when its checkpoint is deleted while it loads (Reset Model during a load)', async () => {
    const dir = path.join(scratch, 'deleted-while-loading');
    await saveCheckpoint(dir, model, vocab);
    const racing = new CompletionEngine({ client, modelDir: () => dir, backend: () => 'cpu' });
    try {
      const loading = racing.ensureModel(); // the load is in flight in the worker
      assert.strictEqual(racing.state().kind, 'loading');
      fs.rmSync(dir, { recursive: true, force: true });
      const answer = await racing.suggest({ before: 'a bird s', lineAfter: '', settings: SETTINGS });
      assert.strictEqual(!answer.ok && answer.reason, 'no-model');
      assert.strictEqual(await loading, undefined, 'the load that finished after the delete gives no model');
      assert.strictEqual(racing.model, undefined);
      assert.strictEqual(racing.state().kind, 'no-model');
    } finally {
      racing.dispose();
    }
  });

  it('says "no model" as soon as the checkpoint of the model it holds is deleted, and then lets it go', async () => {
    const dir = path.join(scratch, 'deleted-after-loading');
    await saveCheckpoint(dir, model, vocab);
    const held = new CompletionEngine({ client, modelDir: () => dir, backend: () => 'cpu' });
    try {
      assert.ok(await held.ensureModel());
      assert.strictEqual(held.state().kind, 'ready');
      fs.rmSync(dir, { recursive: true, force: true });
      assert.strictEqual(held.state().kind, 'no-model', 'the status bar must not name a deleted model');
      assert.strictEqual(await held.ensureModel(), undefined);
      assert.strictEqual(held.model, undefined);
    } finally {
      held.dispose();
    }
  });

  it('tells "no model" from a checkpoint that cannot be loaded', async () => {
    const empty = new CompletionEngine({ client, modelDir: () => path.join(scratch, 'none'), backend: () => 'cpu' });
    const none = await empty.suggest({ before: 'x', lineAfter: '', settings: SETTINGS });
    assert.strictEqual(!none.ok && none.reason, 'no-model');
    assert.strictEqual(empty.state().kind, 'no-model');
    empty.dispose();

    const broken = path.join(scratch, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'config.json'), '{ not json');
    fs.writeFileSync(path.join(broken, 'model.safetensors'), 'x');
    const bad = new CompletionEngine({ client, modelDir: () => broken, backend: () => 'cpu' });
    try {
      const result = await bad.suggest({ before: 'x', lineAfter: '', settings: SETTINGS });
      assert.strictEqual(!result.ok && result.reason, 'error');
      const state = bad.state();
      assert.strictEqual(state.kind, 'error');
      assert.match(state.kind === 'error' ? state.message : '', /config\.json/);
    } finally {
      bad.dispose();
    }
  });

  it('generate() stops between tokens when its signal is aborted', async () => {
    const controller = new AbortController();
    let n = 0;
    const decoder = { decode: (ids: number[]) => ((n = ids.length), vocab.decode(ids)) };
    setTimeout(() => controller.abort(), 5);
    const out = await generate(model, decoder, vocab.encode('the '), { maxNewTokens: 100_000, temperature: 0, signal: controller.signal, stopSequences: ['\u0000'] });
    assert.strictEqual(out.finishReason, 'aborted');
    assert.ok(out.ids.length < 100_000 && out.ids.length === n);
  });
});

describe('the sampling suggestions use', () => {
  it('top-k keeps the same tokens as a full sort (ties: lower ID first), without sorting the vocabulary', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const V = 50 + rng.int(300);
      // few distinct values: many ties
      const logits = Float32Array.from({ length: V }, () => rng.int(12) / 3);
      for (const k of [1, 2, 5, 40, V - 1]) {
        const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
        const kept = new Set(order.slice(0, k));
        const max = logits[order[0]];
        let total = 0;
        for (const id of kept) total += Math.exp(logits[id] - max);
        const got = samplingDistribution(logits, { temperature: 1, topK: k });
        for (let id = 0; id < V; id++) {
          const want = kept.has(id) ? Math.exp(logits[id] - max) / total : 0;
          assert.ok(Math.abs(got[id] - want) < 1e-12, `V ${V} k ${k} id ${id}: ${got[id]} vs ${want}`);
        }
      }
    }
  });
});
