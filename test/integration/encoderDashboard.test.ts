// The training dashboard of an encoder, in the real VS Code extension host and its real browser: a tiny
// encoder trained with the Train command shows its masked-language-model loss in nats per masked token (no
// bits per byte, even when a decoder had them chosen), and its accuracy at the masked positions as a chart of
// two curves (training, validation with its fixed mask) holding the values the run recorded, kept across a
// reload, photographed light and dark. A decoder before and after it still offers bits per byte.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import type { TrainOutcome } from '../../src/features/training/trainingController';
import type { SelfCheckReport } from '../../src/features/training/dashboardPanel';
import type { DashboardView } from '../../src/features/training/protocol';
import { activate, captureWebview, isolateSuite, noPortForwarding, shownAs, shownNumber, sleep, trainTinyModel, updateSetting, withTimeout, type CaptureReport } from './helpers';

const SENTENCE = 'Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje.';

/** A tiny encoder, a few evaluations: enough for both accuracy curves. */
const ENCODER: Partial<TrainOverrides> = {
  kind: 'encoder',
  preset: 'tiny',
  contextLength: 32,
  tokenizer: 'o200k_base',
  steps: 60,
  minutes: 0,
  batchSize: 16,
  learningRate: 0.003,
  dropout: 0,
  patience: 0,
  evalInterval: 10,
  checkpointInterval: 1000,
  sampleInterval: 0,
  backend: 'auto',
  seed: 1,
};

const { waitFor } = withTimeout(60_000);

describe('encoder dashboard: masked-language-model loss and accuracy', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let notes: string;
  let outDir: string;
  let unitBefore: DashboardView;

  isolateSuite();

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    outDir = path.join(extensionPath, 'test-results');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a workspace folder');
    notes = path.join(folder.uri.fsPath, 'lmx-encoder-dashboard-notes');
    assert.ok(!fs.existsSync(notes), `${notes} is there before the suite: a previous suite left it`);
    fs.mkdirSync(notes, { recursive: true });
    fs.writeFileSync(path.join(notes, 'natura.md'), Array.from({ length: 40 }, () => SENTENCE).join(' ') + '\n');
    await noPortForwarding();
    await api.training.reset({ confirm: false });
    unitBefore = api.training.snapshot().view ?? { unit: 'nats' };
  });

  after(async () => {
    api.dashboard.close();
    api.training.setView(unitBefore); // the suite picks bits per byte and back; a failure half-way must not leave bpb behind
    await api.training.cancel();
    // the decoder and the encoder each replaced a model of the other kind, which the extension kept
    await api.training.reset({ confirm: false, kept: true });
    fs.rmSync(notes, { recursive: true, force: true });
  });

  /** The self-check once the page draws what `ready` says it should (a reloaded page draws from its saved state first). */
  async function checked(ready: (report: SelfCheckReport) => boolean): Promise<SelfCheckReport> {
    let last: SelfCheckReport | undefined;
    await waitFor('the dashboard to draw', async () => {
      last = await api.dashboard.selfCheck();
      return ready(last);
    });
    return last!;
  }

  it('a decoder offers bits per byte, and they are chosen with the keyboard', async () => {
    await trainTinyModel(api, extensionPath);
    await api.dashboard.show();
    const { charts, page } = await api.dashboard.selfCheck();
    assert.strictEqual(page.encoder, false);
    assert.deepStrictEqual(page.unitChoices, ['nats', 'bpb']);
    assert.ok(page.bpbAvailable, 'the engine reports the byte counts of both parts');
    assert.deepStrictEqual(
      charts.map((c) => c.id),
      ['loss', 'lr', 'rate'],
      'no accuracy chart for a decoder',
    );
    const shot = await captureWebview(outDir, 'dashboard-decoder-bpb', '#loss-card canvas', { press: [{ selector: 'vscode-radio[value="nats"]', key: 'ArrowRight' }] });
    assert.ok(shot?.ok, shot?.error);
    await waitFor('the host keeps bits per byte', () => api.training.snapshot().view?.unit === 'bpb');
    assert.strictEqual((await api.dashboard.selfCheck()).page.unit, 'bpb');
  });

  it('an encoder trained with the Train command: its loss in nats per masked token, no bits per byte, and its accuracy chart with the recorded values', async () => {
    const outcome = await vscode.commands.executeCommand<TrainOutcome>('lmExplorer.train', { mode: 'fresh', roots: [vscode.Uri.file(notes)], overrides: ENCODER, notification: false });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.strictEqual(api.engine.currentModel?.config.kind, 'encoder');
    const snapshot = api.training.snapshot();
    const train = snapshot.points.map((p) => p.accuracy ?? null);
    const val = snapshot.points.map((p) => p.valAccuracy ?? null);
    assert.ok(train.every((a) => a !== null && a >= 0 && a <= 1), `every step records its batch's accuracy: ${JSON.stringify(train)}`);
    assert.ok(val.filter((a) => a !== null).length >= 5, `every evaluation records the validation accuracy: ${JSON.stringify(val)}`);
    assert.strictEqual(snapshot.view?.unit, 'bpb', 'the choice made for the decoder stays for the next decoder');

    const vocab = snapshot.model!.config.vocabSize;
    const isDrawn = ({ charts }: SelfCheckReport) => charts.find((c) => c.id === 'accuracy')?.series[0]?.values.length === train.length;
    const check = ({ charts, page, cspViolations }: SelfCheckReport) => {
      assert.deepStrictEqual(cspViolations, []);
      assert.strictEqual(page.encoder, true);
      assert.deepStrictEqual(page.unitChoices, [], 'no unit choice: an encoder’s loss is per masked token');
      assert.strictEqual(page.unit, 'nats', 'bits per byte, chosen for a decoder, fall back to nats');
      assert.strictEqual(page.bpbAvailable, false);
      assert.strictEqual(page.lossTitle, vscode.l10n.t('Masked-language-model loss ({0})', vscode.l10n.t('nats per masked token')));
      assert.match(page.uniformNote, shownAs('Dashed line: the uniform guess, ln {0} = {1} nats per masked token: the loss of a model that, at each masked position, gives every token of the vocabulary the same chance of being the hidden one. A model above it has learned nothing useful.'));
      assert.ok(page.uniformNote.includes(shownNumber(vocab)), page.uniformNote);
      assert.deepStrictEqual(
        charts.map((c) => c.id),
        ['loss', 'accuracy', 'lr', 'rate'],
      );
      for (const c of charts) assert.ok(c.drawn && c.width > 0 && c.height > 0, `${c.id} chart is blank: ${JSON.stringify({ ...c, series: c.series.map((s) => s.pixels) })}`);
      const loss = charts[0];
      assert.strictEqual(loss.yLabel, vscode.l10n.t('nats per masked token'));
      assert.deepStrictEqual(
        loss.series.map((s) => s.label),
        [vscode.l10n.t('train (masked positions)'), vscode.l10n.t('validation (masked positions, fixed mask)'), vscode.l10n.t('uniform guess')],
      );
      assert.deepStrictEqual(loss.series[0].values, snapshot.points.map((p) => p.loss), 'the loss in nats, not converted');
      const uniform = loss.marks.find((m) => m.kind === 'uniform');
      assert.ok(uniform?.drawn, JSON.stringify(uniform));
      assert.ok(Math.abs(uniform.value! - Math.log(vocab)) < 1e-9, 'the uniform guess is ln V nats per masked token');
      const accuracy = charts[1];
      assert.deepStrictEqual(
        accuracy.series.map((s) => s.label),
        [vscode.l10n.t('train (batch of the step)'), vscode.l10n.t('validation (fixed mask)')],
      );
      assert.deepStrictEqual(accuracy.series[0].values, train);
      assert.deepStrictEqual(accuracy.series[1].values, val);
      assert.ok(accuracy.series[1].pixels > 20, `the validation curve is drawn: ${accuracy.series[1].pixels} pixels`);
      assert.match(accuracy.summary, shownAs('Accuracy at the masked positions, steps {0} to {1}: {2} on the last training batch, {3} on validation.'));
      assert.ok(accuracy.summary.includes(shownNumber(snapshot.points[snapshot.points.length - 1].step)), accuracy.summary);
    };

    await api.dashboard.show();
    check(await checked(isDrawn));
    // A reload of the webview draws the same from the page's saved state and the host's state message…
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await sleep(500);
    check(await checked(isDrawn));
    // …and so does closing and opening the dashboard.
    api.dashboard.close();
    await api.dashboard.show();
    check(await checked(isDrawn));
  });

  it('the encoder’s loss and accuracy charts are photographed drawn in a light and a dark theme', async () => {
    const check = (report: CaptureReport | undefined, shade: string) => {
      assert.ok(report?.ok, `${shade}: ${report?.error}`);
      assert.deepStrictEqual(
        report.canvases?.map((c) => c.id),
        ['loss-card', 'accuracy-card', 'lr-card', 'rate-card'],
      );
      for (const c of report.canvases ?? []) assert.ok(c.painted > 1000 && c.colours >= 3, `${shade}: ${c.id} canvas looks blank: ${JSON.stringify(c)}`);
      const texts = report.readable?.texts ?? [];
      assert.ok(texts.includes(vscode.l10n.t('Accuracy at the masked positions')), `${shade}: ${texts.join(' | ')}`);
      assert.ok(!texts.includes(vscode.l10n.t('bits / byte')), `${shade}: no bits per byte offered`);
    };
    for (const theme of ['Default Light Modern', 'Default Dark Modern']) {
      const shade = theme.includes('Dark') ? 'dark' : 'light';
      await updateSetting('workbench', 'colorTheme', theme);
      if (!api.dashboard.isOpen()) await api.dashboard.show();
      await sleep(1500); // the page rebuilds its charts in the new colours
      check(await captureWebview(outDir, `encoder-dashboard-${shade}`, '#accuracy-card canvas'), shade);
    }
  });

  it('a decoder trained after it offers bits per byte again, in the unit chosen before', async () => {
    await trainTinyModel(api, extensionPath);
    const { page, charts } = await checked(({ page }) => !page.encoder);
    assert.deepStrictEqual(page.unitChoices, ['nats', 'bpb']);
    assert.strictEqual(page.unit, 'bpb');
    assert.strictEqual(page.lossTitle, vscode.l10n.t('Loss ({0})', vscode.l10n.t('bits per byte')));
    assert.deepStrictEqual(
      charts.map((c) => c.id),
      ['loss', 'lr', 'rate'],
    );
    // back to nats, as the other suites expect to find the dashboard
    const shot = await captureWebview(outDir, 'dashboard-decoder-nats', '#loss-card canvas', { press: [{ selector: 'vscode-radio[value="bpb"]', key: 'ArrowLeft' }] });
    assert.ok(shot?.ok, shot?.error);
    await waitFor('the host keeps nats', () => api.training.snapshot().view?.unit === 'nats');
  });
});
