// Training inside the real VS Code extension host: the corpus from the workspace, the tiny preset on
// the fixture notes, progress and falling loss, the checkpoint in storageUri, cancel, reload, resume,
// worker death, load/export, the dashboard (in-page self-check and, when the launcher captures, a
// real-browser measurement and screenshot), and the extension host's event loop while training runs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import type { ModelState } from '../../src/features/training/core/trainingFormat';
import { parseSafetensors, serializeSafetensors } from '../../src/engine/safetensors';
import type { DashboardState } from '../../src/features/training/protocol';
import { activate, type CaptureReport, captureWebview, isolateSuite, noPortForwarding, shownAs, shownCount, shownNumber, sleep, updateSetting, withTimeout } from './helpers';


/** A short run of the tiny preset that still shows the loss falling. */
const QUICK: Partial<TrainOverrides> = {
  preset: 'tiny',
  tokenizer: 'o200k_base',
  steps: 40,
  minutes: 0,
  batchSize: 16,
  learningRate: 0.01,
  evalInterval: 10,
  checkpointInterval: 10,
  sampleInterval: 20,
  backend: 'auto',
  // Runs that a test cancels mid-way must not end by early stopping first (its own test is in trainingRun.test.ts).
  patience: 0,
};

const { waitFor: until } = withTimeout(60_000);

/**
 * How late the extension host's timers fire while `fn` runs (perf_hooks.monitorEventLoopDelay). The
 * histogram records each timer interval, which includes the sampling resolution: that is taken off.
 */
async function eventLoopLateness(fn: () => Promise<unknown>): Promise<{ p99: number; max: number; mean: number }> {
  const resolution = 5;
  const h = monitorEventLoopDelay({ resolution });
  h.enable();
  try {
    await fn();
  } finally {
    h.disable();
  }
  const ms = (ns: number) => Math.max(0, ns / 1e6 - resolution);
  return { p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) };
}

/** Every file under `dir`, relative path → its bytes (folders as empty entries ending in /). */
function snapshot(dir: string, files = new Map<string, Buffer>(), prefix = ''): Map<string, Buffer> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) {
      files.set(`${rel}/`, Buffer.alloc(0));
      snapshot(path.join(dir, entry.name), files, `${rel}/`);
    } else files.set(rel, fs.readFileSync(path.join(dir, entry.name)));
  }
  return files;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The status bar's text for a ready model, as the display language shows it. */
function readyText(step: number, valLoss?: number): string {
  const loss = valLoss !== undefined ? [vscode.l10n.t('val {0}', shownNumber(valLoss, { minimumFractionDigits: 2, maximumFractionDigits: 2 }))] : [];
  return [`$(check) ${vscode.l10n.t('LM: ready')}`, vscode.l10n.t('step {0}', shownNumber(step)), ...loss].join(' · ');
}

describe('training', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let workspace: string;
  let scratch: string;
  /** What the suite adds to the workspace folder (removed after it). */
  let added: string[] = [];

  // The tests are the steps of one model's life (train, cancel, resume, export, reset), in order.
  isolateSuite();

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a workspace folder');
    workspace = folder.uri.fsPath;
    added = ['notes', 'node_modules', 'empty'].map((name) => path.join(workspace, name));
    for (const target of added) assert.ok(!fs.existsSync(target), `${target} is there before the suite: a previous suite left it`);
    // The fixture notes become the workspace's notes; files the corpus must leave out sit beside them.
    fs.cpSync(path.join(extensionPath, 'test', 'fixtures', 'notes'), path.join(workspace, 'notes'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'node_modules', 'pkg', 'README.md'), '# not my notes\n');
    fs.writeFileSync(path.join(workspace, 'notes', 'photo.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    fs.writeFileSync(path.join(workspace, 'notes', 'script.js'), 'console.log("not a note")\n');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-training-'));
    await noPortForwarding();
    await api.training.reset({ confirm: false });
  });

  after(async () => {
    api.dashboard.close();
    await api.training.cancel();
    await api.training.reset({ confirm: false });
    fs.rmSync(scratch, { recursive: true, force: true });
    for (const target of added) fs.rmSync(target, { recursive: true, force: true });
  });

  it('names the glob when no file matches, and trains nothing', async () => {
    const empty = path.join(workspace, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, 'data.csv'), 'a,b\n1,2\n');
    const outcome = await api.training.train({ roots: [vscode.Uri.file(empty)], overrides: QUICK });
    assert.strictEqual(outcome.status, 'no-files');
    assert.match(outcome.message, /lmExplorer\.training\.include/);
    assert.ok(outcome.message.includes('**/*.{md,markdown,txt,rst,tex,adoc}'), outcome.message);
    assert.strictEqual(api.training.state().kind, 'none');
    assert.ok(!fs.existsSync(path.join(api.training.modelDir(), 'config.json')));
  });

  it('says why when every matching file is binary or not UTF-8', async () => {
    const binary = path.join(scratch, 'binary');
    fs.mkdirSync(binary, { recursive: true });
    fs.writeFileSync(path.join(binary, 'image.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]));
    fs.writeFileSync(path.join(binary, 'archive.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x14]));
    fs.writeFileSync(path.join(binary, 'latin1.md'), Buffer.from('caf\xe9 cr\xe8me', 'latin1'));
    const outcome = await api.training.train({ roots: [vscode.Uri.file(binary)], overrides: QUICK });
    assert.strictEqual(outcome.status, 'no-usable-files');
    assert.match(outcome.message, shownAs('The {0} file matching {1} cannot be used: {2}. The list is in Output › LM Explorer.|None of the {0} files matching {1} can be used: {2}. The list is in Output › LM Explorer.'));
    assert.ok(outcome.message.includes(shownCount(2, '{0} is binary (contains NUL bytes)|{0} are binary (contain NUL bytes)')), outcome.message);
    assert.ok(outcome.message.includes(shownCount(1, '{0} is not valid UTF-8|{0} are not valid UTF-8')), outcome.message);
    const corpus = await api.training.collectCorpus([vscode.Uri.file(binary)]);
    assert.deepStrictEqual(
      corpus.skipped.map((s) => `${s.path}:${s.reason}`).sort(),
      ['archive.txt:binary', 'image.md:binary', 'latin1.md:invalid-utf8'],
    );
  });

  it('collects the workspace notes through workspace.fs, leaving out excluded and binary files', async () => {
    const corpus = await api.training.collectCorpus();
    assert.deepStrictEqual(corpus.files, ['notes/bread.md', 'notes/garden.md', 'notes/kitchen/soup.md', 'notes/reading.txt']);
    assert.deepStrictEqual(
      corpus.skipped.map((s) => `${s.path}:${s.reason}`),
      ['notes/photo.md:binary'],
    );
    assert.strictEqual(corpus.problem, undefined);
    const limited = await api.training.collectCorpus(undefined, { maxFileBytes: 1000 });
    assert.ok(limited.skipped.some((s) => s.reason === 'too-large'), JSON.stringify(limited.skipped));
  });

  it('trains the tiny preset: progress arrives, the loss falls, the checkpoint is in storageUri, the editor stays responsive', async function () {
    const states: ModelState[] = [];
    const sub = api.training.onDidChangeState((s) => states.push(s));
    // The machine's own noise first: the same measurement with nothing running.
    const idle = await eventLoopLateness(() => sleep(3000));
    let outcome: Awaited<ReturnType<typeof api.training.train>> | undefined;
    const busy = await eventLoopLateness(async () => {
      outcome = await api.training.train({ overrides: QUICK });
    });
    sub.dispose();
    assert.ok(outcome);
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `event-loop delay of the extension host — idle: p99 ${idle.p99.toFixed(1)} ms; while training: p99 ${busy.p99.toFixed(1)} ms, ` +
        `max ${busy.max.toFixed(1)} ms, mean ${busy.mean.toFixed(1)} ms (load average ${load} on ${os.cpus().length} CPUs)`,
    );
    if (busy.p99 >= 50 && idle.p99 >= 30) {
      // Not the extension's doing: the host's timers are late with nothing running at all. Then only what
      // training adds to that is checked.
      console.log(`event-loop check relative: the machine is overloaded (idle p99 ${idle.p99.toFixed(1)} ms, load ${load})`);
      assert.ok(busy.p99 - idle.p99 < 50, `training adds ${(busy.p99 - idle.p99).toFixed(1)} ms to the event-loop p99`);
    } else {
      assert.ok(busy.p99 < 50, `event-loop p99 ${busy.p99.toFixed(1)} ms while training (idle ${idle.p99.toFixed(1)} ms)`);
    }

    const training = states.filter((s): s is Extract<ModelState, { kind: 'training' }> => s.kind === 'training' && s.loss !== undefined);
    // The UI is updated at most every 300 ms and the worker sends progress at most every 100 ms (and at every
    // validation), so how many arrive depends on the backend's speed: a fast one finishes 40 steps in a second.
    assert.ok(training.length >= 1, "no progress reached the status bar");
    const snapshot = api.training.snapshot();
    const losses = snapshot.points.map((p) => p.loss);
    assert.ok(losses.length >= 4, `only ${losses.length} progress events (one per validation at least)`);
    assert.strictEqual(snapshot.points[snapshot.points.length - 1].step, 40);
    const span = Math.min(5, Math.floor(losses.length / 2));
    const head = losses.slice(0, span).reduce((a, b) => a + b, 0) / span;
    const tail = losses.slice(-span).reduce((a, b) => a + b, 0) / span;
    assert.ok(tail < head - 0.05, `loss did not fall: first ${span} ${head.toFixed(3)}, last ${span} ${tail.toFixed(3)}`);
    assert.ok(snapshot.points.some((p) => p.valLoss !== undefined), 'validation loss was measured');
    assert.ok(snapshot.samples.length >= 2, 'samples were generated');
    assert.strictEqual(snapshot.corpus?.files, 4);
    assert.strictEqual(snapshot.corpus?.skipped, 1);
    assert.ok((snapshot.corpus?.tokens?.tokens ?? 0) > 500);
    const parts = snapshot.model!.parameters;
    assert.strictEqual(parts.embeddings + parts.attention + parts.mlp + parts.norms, parts.total);

    // The checkpoint: in the workspace's storage, with the training state.
    const modelDir = api.training.modelDir();
    assert.match(modelDir, /[\\/]model$/);
    for (const file of ['config.json', 'model.safetensors', 'vocab.json', 'trainer.json']) {
      assert.ok(fs.existsSync(path.join(modelDir, file)), `${file} in ${modelDir}`);
    }
    assert.strictEqual(readJson(path.join(modelDir, 'config.json')).step, 40);
    assert.strictEqual(api.training.state().kind, 'ready');
    // The kept model: the best validation of the run, which may be before its last step.
    const kept = snapshot.model?.best;
    assert.ok(kept && kept.step <= 40, `the engine names the kept model: ${JSON.stringify(snapshot.model?.best)}`);
    assert.strictEqual(api.training.statusBarText(), readyText(kept.step, kept.valLoss));
    // The tooltip names the backend the engine took, and why it passed the others over.
    assert.match(api.training.statusBarTooltip(), new RegExp(`${shownAs('Engine: **{0}**; passed over: ').source}.*tfjs`));
  });

  it('cancel stops within a second and keeps the checkpoint', async () => {
    const run = api.training.train({ mode: 'resume', overrides: { ...QUICK, steps: 100_000, checkpointInterval: 1000, sampleInterval: 0 } });
    await until('a few steps', () => {
      const s = api.training.state();
      return s.kind === 'training' && s.step >= 45;
    });
    const started = Date.now();
    await api.training.cancel();
    const outcome = await run;
    const took = Date.now() - started;
    assert.strictEqual(outcome.status, 'cancelled', outcome.message);
    assert.ok(took < 1000, `cancel took ${took} ms`);
    const step = 'result' in outcome ? outcome.result.step : -1;
    assert.ok(step >= 45);
    assert.strictEqual(readJson(path.join(api.training.modelDir(), 'config.json')).step, step, 'the checkpoint holds the last step');
    assert.strictEqual(api.training.state().kind, 'ready');
  });

  it('a fresh engine worker finds the saved model and answers the other features’ requests', async () => {
    // The features use the kept model (the lowest validation loss of the run), which config.json names
    // when training went on past it (as the cancelled run above did).
    const config = readJson(path.join(api.training.modelDir(), 'config.json')) as { step: number; kept?: { step: number } };
    const saved = config.kept?.step ?? config.step;
    const starts = api.engine.workerStarts;
    await api.engine.restart();
    const held = () => api.engine.currentModel; // (a function: an assertion on the property would narrow it for good)
    assert.strictEqual(held(), undefined);
    const next = await api.engine.request('nextTokens', { text: 'Bread is flour', topN: 5 });
    assert.strictEqual(api.engine.workerStarts, starts + 1);
    // The worker holds the kept model (the best validation), which may be from before the latest step.
    const kept = api.training.snapshot().model?.best;
    assert.strictEqual(held()?.step, kept ? kept.step : saved);
    assert.strictEqual(next.candidates.length, 5);
    const total = next.candidates.reduce((a, c) => a + c.prob, 0);
    assert.ok(total > 0 && total <= 1.0001);
    const att = await api.engine.request('attention', { text: 'The soup is' });
    assert.strictEqual(att.attention.length, 2); // layers
    assert.strictEqual(att.attention[0].length, 2); // heads
    assert.strictEqual(att.attention[0][0].length, att.tokens.length);
    const row = att.attention[1][1][att.tokens.length - 1];
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    const completion = await api.engine.request('complete', { prompt: 'Soup is', sampling: { maxNewTokens: 8, temperature: 0 } });
    assert.strictEqual(completion.tokens, 8);
    assert.strictEqual(typeof completion.text, 'string');
  });

  it('a cancelled completion is answered at once', async () => {
    const source = new vscode.CancellationTokenSource();
    const pending = api.engine.request('complete', { prompt: 'Bread', sampling: { maxNewTokens: 5000, temperature: 1 } }, { token: source.token });
    await sleep(100);
    const started = Date.now();
    source.cancel();
    await assert.rejects(pending, (e: { code?: string }) => e.code === 'cancelled');
    assert.ok(Date.now() - started < 200);
    // …and the worker is free for the next request
    const next = await api.engine.request('nextTokens', { text: 'Bread', topN: 1 });
    assert.strictEqual(next.candidates.length, 1);
  });

  it('resumes training from the checkpoint', async () => {
    const before = readJson(path.join(api.training.modelDir(), 'config.json')).step as number;
    const outcome = await api.training.train({ mode: 'resume', overrides: { ...QUICK, steps: before + 5 } });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.strictEqual('result' in outcome && outcome.result.step, before + 5);
    assert.strictEqual(readJson(path.join(api.training.modelDir(), 'config.json')).step, before + 5);
  });

  it('reports a worker that dies mid-training, keeps the checkpoint, and starts a fresh worker next time', async () => {
    const saved = readJson(path.join(api.training.modelDir(), 'config.json')).step as number;
    const run = api.training.train({ mode: 'resume', overrides: { ...QUICK, steps: saved + 100_000, checkpointInterval: 100_000, sampleInterval: 0 } });
    await until('training', () => {
      const s = api.training.state();
      return s.kind === 'training' && s.step > saved + 2;
    });
    const starts = api.engine.workerStarts;
    void api.engine.request('crash', { mode: 'throw' }).catch(() => undefined);
    const outcome = await run;
    assert.strictEqual(outcome.status, 'failed');
    assert.match(outcome.message, shownAs('The LM Explorer engine stopped: {0}'));
    assert.match(outcome.message, shownAs('{0}. Training stopped; the last checkpoint is kept.'));
    assert.match(outcome.message, /Crash requested by a test/);
    assert.match(api.engine.lastWorkerDeath()?.reason ?? '', /Crash requested by a test/);
    assert.ok(api.engine.lastWorkerDeath()?.inFlight.includes('train'));
    assert.strictEqual(api.engine.isRunning, false);
    // The extension keeps working: the state is back to ready, and the model is still on disk.
    assert.strictEqual(api.training.state().kind, 'ready');
    assert.ok(fs.existsSync(path.join(api.training.modelDir(), 'config.json')));
    const status = await api.engine.request('status', {});
    assert.ok(status.memory.heapUsedMB > 0);
    assert.strictEqual(api.engine.workerStarts, starts + 1);
    const next = await api.engine.request('nextTokens', { text: 'Bread', topN: 1 });
    assert.strictEqual(next.candidates.length, 1);
  });

  it('Load Model… with a bad folder says what is wrong and keeps the current model', async () => {
    const bad = path.join(scratch, 'not-a-model');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'config.json'), '{ this is not json');
    const modelBefore = api.engine.currentModel;
    const loaded = await api.training.loadModel(vscode.Uri.file(bad));
    assert.strictEqual(loaded, undefined);
    assert.strictEqual(api.engine.currentModel, modelBefore);
    assert.strictEqual(api.training.state().kind, 'ready');
    const next = await api.engine.request('nextTokens', { text: 'Bread', topN: 1 });
    assert.strictEqual(next.candidates.length, 1);
  });

  it('exports the model to a folder that loads back, with its curves', async () => {
    const target = path.join(scratch, 'exported');
    const before = api.training.snapshot();
    assert.ok(before.points.length > 0);
    const dir = await api.training.exportModel(vscode.Uri.file(target));
    assert.strictEqual(dir, target);
    for (const file of ['config.json', 'model.safetensors', 'vocab.json', 'training-history.json']) assert.ok(fs.existsSync(path.join(target, file)), file);
    const model = await api.training.loadModel(vscode.Uri.file(target));
    assert.ok(model);
    assert.strictEqual(model.config.nLayer, 2);
    assert.strictEqual(api.training.state().kind, 'ready');
    // Loading a model used to empty the curves: the history exported with it comes back.
    const after = api.training.snapshot();
    assert.deepStrictEqual(after.points, before.points);
    assert.deepStrictEqual(after.samples, before.samples);
    assert.strictEqual(after.note, undefined);
  });

  it('Load Model… of a folder without a history says why the curves are empty', async () => {
    const bare = path.join(scratch, 'bare');
    fs.mkdirSync(bare);
    for (const file of ['config.json', 'model.safetensors', 'vocab.json']) fs.copyFileSync(path.join(scratch, 'exported', file), path.join(bare, file));
    const model = await api.training.loadModel(vscode.Uri.file(bare));
    assert.ok(model);
    const snapshot = api.training.snapshot();
    assert.deepStrictEqual(snapshot.points, []);
    assert.match(snapshot.note ?? '', new RegExp(`^${shownAs('No training history came with this model: {0} has no {1} (lmx and exports before this version save none). The curves start with the next run.').source}`));
    assert.match(snapshot.note ?? '', /bare.*training-history\.json/);
    await api.dashboard.show();
    const { page } = await api.dashboard.selfCheck();
    assert.strictEqual(page.note, snapshot.note, 'the dashboard says it');
    api.dashboard.close();
  });

  it('the dashboard marks the best validation point, the kept model, the memorising stretch and the uniform guess, in the real browser', async () => {
    // A model whose exported history overfits: validation lowest at its third evaluation, then rising while
    // the training loss falls. It reaches the page the way a user's does: Load Model… of an exported folder.
    const source = path.join(scratch, 'exported');
    const folder = path.join(scratch, 'overfit');
    fs.cpSync(source, folder, { recursive: true });
    const historyFile = path.join(folder, 'training-history.json');
    const history = JSON.parse(fs.readFileSync(historyFile, 'utf8')) as DashboardState & { version: 1 };
    const model = history.model!;
    const corpus = history.corpus!;
    const vocab = model.config.vocabSize;
    const uniform = Math.log(vocab);
    const last = model.step;
    const steps = Array.from({ length: 60 }, (_, i) => Math.max(1, Math.round(((i + 1) * last) / 60)));
    const val = [0.95, 0.85, 0.8, 0.86, 0.95, 1.05].map((f) => f * uniform);
    history.points = steps.map((step, i) => ({
      step,
      loss: uniform * (0.95 - (0.8 * i) / 60),
      lr: 0.01,
      tokensPerSecond: 1000,
      elapsedMs: i * 100,
      ...((i + 1) % 10 === 0 ? { valLoss: val[(i + 1) / 10 - 1] } : {}),
    }));
    const bestStep = steps[29];
    const lastEval = steps[59];
    const tokens = corpus.tokens!;
    tokens.trainBytes = tokens.trainTokens * 4;
    tokens.valBytes = tokens.valTokens * 5;
    const sampleText = ' is flour, water and salt, kneaded for ten minutes';
    history.samples = [{ step: last, prompt: 'Bread', text: sampleText, copied: { tokens: 9, text: 'flour, water and salt, kneaded' } }];
    // the run's message as the engine writes it in the display language
    const message = vscode.l10n.t('Stopped at step {0}: validation loss has not improved since step {1}, so the model had started to memorise the notes.', shownNumber(last), shownNumber(bestStep));
    history.run = { steps: last, step: last, elapsedMs: 6000, stoppedBy: 'early-stop', message };
    history.plan = { preset: 'tiny', contextLength: 64, steps: last, batchSize: 16, dropout: 0.1, patience: 3, reasons: [vscode.l10n.t('Model: {0}, as set.', 'tiny')] };
    fs.writeFileSync(historyFile, JSON.stringify(history));

    const loaded = await api.training.loadModel(vscode.Uri.file(folder));
    assert.ok(loaded);
    // The kept model: the engine's best when it names one, else the loaded weights as they are.
    const keptStep = loaded.best?.step ?? loaded.step;
    await api.dashboard.show();
    const check = async (unit: 'nats' | 'bpb') => {
      const { charts, page, cspViolations } = await api.dashboard.selfCheck();
      assert.deepStrictEqual(cspViolations, []);
      const loss = charts.find((c) => c.id === 'loss');
      assert.ok(loss);
      const mark = (kind: string) => loss.marks.find((m) => m.kind === kind);
      const factor = unit === 'bpb' ? tokens.valTokens / (tokens.valBytes! * Math.LN2) : 1;
      const best = mark('best');
      assert.ok(best?.drawn, `best marker not drawn: ${JSON.stringify(best)}`);
      assert.strictEqual(best.step, bestStep);
      assert.ok(Math.abs(best.value! - val[2] * factor) < 1e-9);
      const kept = mark('kept');
      assert.ok(kept?.drawn, `kept model not drawn: ${JSON.stringify(kept)}`);
      assert.strictEqual(kept.step, keptStep);
      const line = mark('uniform');
      assert.ok(line?.drawn, `uniform guess not drawn: ${JSON.stringify(line)}`);
      assert.ok(Math.abs(line.value! - uniform * factor) < 1e-9);
      const shade = mark('memorising');
      assert.ok(shade?.drawn, `memorising stretch not shaded: ${JSON.stringify(shade)}`);
      assert.deepStrictEqual([shade.step, shade.toStep], [bestStep, lastEval]);
      assert.ok(shade.box.width > 0.2 * loss.width, `the shade covers the second half of the plot: ${JSON.stringify(shade.box)}`);
      assert.strictEqual(page.unit, unit);
      assert.ok(page.bpbAvailable);
      assert.deepStrictEqual(page.unitChoices, ['nats', 'bpb']);
      assert.strictEqual(page.lossTitle, vscode.l10n.t('Loss ({0})', vscode.l10n.t(unit === 'bpb' ? 'bits per byte' : 'nats per token')));
      assert.strictEqual(page.memorising.length, 1);
      assert.ok(
        page.memorising[0].startsWith(vscode.l10n.t('Steps {0}–{1}: {2} (validation {3} → {4} at most, training {5} → {6}).', { 0: shownNumber(bestStep), 1: shownNumber(lastEval), 2: vscode.l10n.t('memorising: validation rises while training loss falls') }).replace(/ \(.*$/, '')),
        page.memorising[0],
      );
      assert.strictEqual(page.stopMessage, message);
      assert.ok(page.plan.includes(vscode.l10n.t('Model: {0}, as set.', 'tiny')), JSON.stringify(page.plan));
      assert.ok(
        page.plan.includes(`${vscode.l10n.t('early stopping')}: ${shownCount(3, 'after {0} evaluation without a better validation loss|after {0} evaluations without a better validation loss')}`),
        JSON.stringify(page.plan),
      );
      assert.strictEqual(page.copiedSamples, 1);
      assert.ok(page.kept.startsWith(vscode.l10n.t('step {0}', shownNumber(keptStep))), page.kept);
      return page;
    };
    await check('nats');
    assert.ok(api.training.statusBarText().startsWith(`${readyText(keptStep)} · `), api.training.statusBarText());

    // Bits per byte, chosen with the keyboard in the real browser: the same marks, converted.
    const outDir = path.join(extensionPath, 'test-results');
    const shot = await captureWebview(outDir, 'dashboard-marks', '#loss-card canvas', { press: [{ selector: 'vscode-radio[value="nats"]', key: 'ArrowRight' }] });
    assert.ok(shot?.ok, shot?.error);
    await check('bpb');
    await until('the host keeps the unit', () => api.training.snapshot().view?.unit === 'bpb');

    // A reload of the webview keeps it all (the page's setState, the host's state message)…
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await until('the reloaded page draws', async () => {
      try {
        await check('bpb');
        return true;
      } catch {
        return false;
      }
    });
    await check('bpb');
    // …and so does closing and opening the dashboard.
    api.dashboard.close();
    await api.dashboard.show();
    await check('bpb');
    const back = await captureWebview(outDir, 'dashboard-marks-nats', '#loss-card canvas', { press: [{ selector: 'vscode-radio[value="bpb"]', key: 'ArrowLeft' }] });
    assert.ok(back?.ok, back?.error);
    await check('nats');
    await until('the host keeps the unit', () => api.training.snapshot().view?.unit === 'nats');
    api.dashboard.close();
  });

  it('Export Model… into the folder of notes writes a new subfolder and keeps every note byte for byte', async () => {
    const notes = path.join(workspace, 'notes');
    const before = snapshot(notes);
    const exported: string[] = [];
    try {
      // The second time the notes hold the first export too: still a new subfolder, the first one kept.
      for (const expected of ['lm-explorer-model', 'lm-explorer-model-2']) {
        const dir = await vscode.commands.executeCommand<string | undefined>('lmExplorer.exportModel', vscode.Uri.file(notes));
        assert.strictEqual(dir, path.join(notes, expected));
        exported.push(dir);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'trainer-state.safetensors', 'trainer.json', 'training-history.json', 'vocab.json']);
        const mine = new Map([...snapshot(notes)].filter(([rel]) => !rel.startsWith('lm-explorer-model')));
        assert.deepStrictEqual(mine, before, 'the notes are as they were');
      }
    } finally {
      for (const dir of exported) fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepStrictEqual(snapshot(notes), before);
  });

  it('Export Model… onto a regular file says so and keeps the file', async () => {
    const file = path.join(scratch, 'thesis.md');
    fs.writeFileSync(file, '# Praca magisterska\nJedyna kopia.\n');
    try {
      const dir = await vscode.commands.executeCommand<string | undefined>('lmExplorer.exportModel', vscode.Uri.file(file));
      assert.strictEqual(dir, undefined);
      assert.strictEqual(fs.readFileSync(file, 'utf8'), '# Praca magisterska\nJedyna kopia.\n');
      assert.deepStrictEqual(fs.readdirSync(scratch).filter((n) => n.startsWith('thesis.md')), ['thesis.md']);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('a real run that overfits stops early; its plan, best point, kept model and stop message reach the dashboard', async () => {
    await api.dashboard.show();
    // The fixture notes are small: at this learning rate validation is lowest within a few evaluations.
    const outcome = await api.training.train({ overrides: { ...QUICK, steps: 400, evalInterval: 5, patience: 3, sampleInterval: 20 } });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.ok('result' in outcome);
    const { result } = outcome;
    assert.strictEqual(result.stoppedBy, 'early-stop', result.message);
    assert.ok(result.best, 'the engine names the kept model');
    assert.ok(result.message);
    assert.ok(result.step > result.best.step);
    const { charts, page, cspViolations } = await api.dashboard.selfCheck();
    assert.deepStrictEqual(cspViolations, []);
    const loss = charts.find((c) => c.id === 'loss')!;
    const best = loss.marks.find((m) => m.kind === 'best');
    const kept = loss.marks.find((m) => m.kind === 'kept');
    const uniform = loss.marks.find((m) => m.kind === 'uniform');
    assert.ok(best?.drawn, JSON.stringify(best));
    assert.ok(kept?.drawn, JSON.stringify(kept));
    assert.ok(uniform?.drawn, JSON.stringify(uniform));
    assert.strictEqual(best.step, result.best.step, 'the lowest validation point of the curve is the engine’s best');
    assert.strictEqual(kept.step, result.best.step);
    assert.ok(Math.abs(uniform.value! - Math.log(result.model.config.vocabSize)) < 1e-9);
    assert.strictEqual(page.stopMessage, result.message);
    assert.ok(page.plan.some((line) => line.startsWith(`${vscode.l10n.t('early stopping')}: ${shownCount(3, 'after {0} evaluation without a better validation loss|after {0} evaluations without a better validation loss')}`)), JSON.stringify(page.plan));
    assert.ok(page.bpbAvailable, 'the engine reports the byte counts of both parts');
    assert.strictEqual(page.encoder, false);
    assert.deepStrictEqual(page.unitChoices, ['nats', 'bpb'], 'a decoder offers bits per byte');
    assert.strictEqual(page.trainedSteps, shownNumber(result.step));
    assert.ok(
      page.kept.startsWith(`${vscode.l10n.t('step {0}', shownNumber(result.best.step))} · ${vscode.l10n.t('val {0}', shownNumber(result.best.valLoss, { minimumFractionDigits: 2, maximumFractionDigits: 2 }))} ${vscode.l10n.t('(best validation)')}`),
      page.kept,
    );
    assert.strictEqual(api.training.statusBarText(), readyText(result.best.step, result.best.valLoss));
    assert.ok(
      api.training
        .statusBarTooltip()
        .includes(
          `${vscode.l10n.t('The kept model is from step {0}, validation loss {1}: the best validation of its run, the one the features use.', shownNumber(result.best.step), shownNumber(result.best.valLoss, { minimumFractionDigits: 2, maximumFractionDigits: 2 }))} ${vscode.l10n.t('Resume continues from the latest state (step {0}).', shownNumber(result.step))}`,
        ),
      api.training.statusBarTooltip(),
    );
    api.dashboard.close();
  });

  it('shows the dashboard with the curves drawn', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await api.dashboard.show();
    // During a run the model card counts the run's steps (it said "trained steps 0" all through a first run).
    const long = api.training.train({ overrides: { ...QUICK, steps: 100_000, checkpointInterval: 100_000, sampleInterval: 0 } });
    await until('a few steps', () => {
      const s = api.training.state();
      return s.kind === 'training' && s.step >= 5;
    });
    const during = await api.dashboard.selfCheck();
    assert.ok(Number(during.page.trainedSteps.replace(/[,\s\u00a0]/g, '')) >= 5, `trained steps during the run: ${during.page.trainedSteps}`);
    await api.training.cancel();
    assert.strictEqual((await long).status, 'cancelled');
    // A short run while the dashboard is open: the page receives live progress.
    const outcome = await api.training.train({ overrides: { ...QUICK, steps: 30, sampleInterval: 10 } });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    const { charts, cspViolations } = await api.dashboard.selfCheck();
    assert.deepStrictEqual(cspViolations, [], 'the content security policy blocked nothing');
    assert.deepStrictEqual(
      charts.map((c) => c.id),
      ['loss', 'lr', 'rate'],
    );
    for (const c of charts) assert.ok(c.drawn && c.width > 0 && c.height > 0, `${c.id} chart is blank: ${JSON.stringify(c)}`);
  });

  it('is measured and photographed in the real browser, light and dark (when the launcher captures)', async function () {
    if (!api.dashboard.isOpen()) await api.dashboard.show();
    const outDir = path.join(extensionPath, 'test-results');
    const capture = (name: string) => captureWebview(outDir, name, '#loss-card canvas');
    const check = (report: CaptureReport) => {
      assert.ok(report.ok, report.error);
      assert.deepStrictEqual(
        report.canvases?.map((c) => c.id),
        ['loss-card', 'lr-card', 'rate-card'],
      );
      for (const c of report.canvases ?? []) assert.ok(c.painted > 1000 && c.colours >= 3, `${c.id} canvas looks blank: ${JSON.stringify(c)}`);
    };
    const light = await capture('dashboard');
    if (!light) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
    check(light);
    await updateSetting('workbench', 'colorTheme', 'Default Dark Modern');
    await sleep(1500); // the page rebuilds its charts in the new colours
    const dark = await capture('dashboard-dark');
    assert.ok(dark);
    check(dark);
  });

  it('a resumed run whose loss stops being a number stops, says so, and keeps the checkpoint saved before it', async () => {
    const dir = api.training.modelDir();
    const stateFile = path.join(dir, 'trainer-state.safetensors');
    // AdamW moments that make the next update infinite (m near float32's largest value, v = 0): a real divergence.
    const { tensors, metadata } = parseSafetensors(fs.readFileSync(stateFile));
    for (const [name, t] of tensors) tensors.set(name, { ...t, data: new Float32Array((t.data as Float32Array).length).fill(name.startsWith('m.') ? 3e38 : 0) });
    fs.writeFileSync(stateFile, serializeSafetensors(tensors, metadata));
    const config = path.join(dir, 'config.json');
    const step = readJson(config).step as number;
    const weights = fs.readFileSync(path.join(dir, 'model.safetensors'));
    const outcome = await api.training.train({ mode: 'resume', overrides: { ...QUICK, steps: step + 20, checkpointInterval: 100_000, evalInterval: 100_000, sampleInterval: 0 } });
    assert.ok('result' in outcome && outcome.result.stoppedBy === 'diverged', `${outcome.status}: ${outcome.message}`);
    assert.match(outcome.message, shownAs('Stopped at step {0}: the training loss is no longer a number (the learning rate is too high for this model).'));
    assert.strictEqual(readJson(config).step, step, 'the checkpoint on disk is still the one saved before');
    assert.ok(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(weights));
    // The features answer from that checkpoint's finite weights, not from the diverged ones.
    const next = await api.engine.request('nextTokens', { text: 'Bread', topN: 1 });
    assert.ok(Number.isFinite(next.candidates[0].prob) && next.candidates[0].prob > 0, JSON.stringify(next.candidates));
  });

  it('Reset Model deletes the model and the status bar says so', async () => {
    assert.ok(await api.training.reset({ confirm: false }));
    assert.ok(!fs.existsSync(path.join(api.training.modelDir(), 'config.json')));
    assert.strictEqual(api.training.state().kind, 'none');
    assert.match(api.training.statusBarText(), shownAs('LM: no model'));
    await assert.rejects(api.engine.request('nextTokens', { text: 'x' }), (e: { code?: string }) => e.code === 'no-model');
  });
});
