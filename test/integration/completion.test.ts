// Inline completions and next-token probabilities inside the real VS Code extension host. A tiny
// character-level model is trained in the test on a small repetitive note, so that greedy output is
// deterministic; the provider's item must equal the engine's own greedy continuation, and
// editor.action.inlineSuggest.commit must insert it. VS Code 1.100 has no
// `vscode.executeInlineCompletionItemProvider` command, so items are read through the extension's API
// (completion.provide runs the provider as VS Code would; completion.next resolves with what a trigger produced).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import { applyStopRule } from '../../src/features/completion/core/suggestionText';
import { promptTokenBudget } from '../../src/features/completion/core/promptWindow';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import { activate, closeEditors, isolateTests, openEditor, shownAs, sleep, withTimeout } from './helpers';

const LINE = 'the cat sat on the mat. the dog sat on the log. the cat sat on the log. the dog sat on the mat. ';
const NOTE = `# cats and dogs\n\n${Array.from({ length: 12 }, () => LINE.repeat(3).trimEnd()).join('\n')}\n`;
const PREFIX = 'the cat sat on the mat. the dog sat ';

/** Tiny preset, one character per token, a few dozen steps: enough for confident greedy output. */
const TRAIN: Partial<TrainOverrides> = {
  preset: 'tiny',
  tokenizer: 'char',
  steps: 60,
  minutes: 0,
  batchSize: 16,
  learningRate: 0.01,
  evalInterval: 40,
  checkpointInterval: 1000,
  sampleInterval: 0,
  backend: 'auto',
  seed: 1,
};

const { waitFor, setSetting } = withTimeout(20_000);

/** An editor on `content` with the cursor at its end. */
async function open(content: string, language = 'markdown'): Promise<vscode.TextEditor> {
  const editor = await openEditor(content, language);
  const end = endOf(editor.document);
  editor.selection = new vscode.Selection(end, end);
  return editor;
}

function endOf(document: vscode.TextDocument): vscode.Position {
  return document.lineAt(document.lineCount - 1).range.end;
}

describe('inline completions', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let notes: string;

  /** The engine's greedy continuation of a prompt, asked of the training worker (not the completion engine). */
  async function greedy(prompt: string, maxTokens = 24): Promise<string> {
    const model = api.engine.currentModel;
    assert.ok(model, 'the training worker holds the trained model');
    const out = await api.engine.request('complete', {
      prompt,
      sampling: { maxNewTokens: maxTokens, temperature: 0, stopSequences: ['\n'] },
      maxPromptTokens: promptTokenBudget(model.config.contextLength, maxTokens),
    });
    return applyStopRule(out.text, 'line');
  }

  before(async () => {
    ({ api } = await activate());
    assert.ok(api.completion, 'activate() returns the completion API');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a workspace folder');
    notes = path.join(folder.uri.fsPath, 'lmx-completion-notes');
    fs.mkdirSync(notes, { recursive: true });
    fs.writeFileSync(path.join(notes, 'cats.md'), NOTE);
  });

  isolateTests();

  after(async () => {
    await api.training.reset({ confirm: false });
    fs.rmSync(notes, { recursive: true, force: true });
  });

  it('registers for markdown and plain text, with the toggle and next-token commands', async () => {
    assert.deepStrictEqual([...api.completion.languages()], ['markdown', 'plaintext']);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('lmExplorer.toggleCompletions'));
    assert.ok(commands.includes('lmExplorer.showNextTokenProbabilities'));
  });

  it('without a model: nothing is suggested, the status bar says so, and the hint is shown once', async () => {
    await api.training.reset({ confirm: false });
    const editor = await open('the cat sat');
    const position = endOf(editor.document);
    assert.strictEqual(await api.completion.provide(editor.document, position), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'no-model');
    assert.strictEqual(await api.completion.provide(editor.document, position, { trigger: 'automatic' }), undefined);
    assert.strictEqual(api.completion.hintsShown(), 1, 'one hint per session');
    await waitFor('the status bar to say "no model"', () => shownAs('LM complete: no model').test(api.completion.status().text));
    const next = await vscode.commands.executeCommand<{ ok: boolean; reason?: string }>('lmExplorer.showNextTokenProbabilities', editor.document.uri);
    assert.strictEqual(next.ok, false);
    assert.strictEqual(next.reason, 'no-model');
  });

  it('trains a tiny character model on a repetitive note', async () => {
    const outcome = await api.training.train({ roots: [vscode.Uri.file(notes)], overrides: TRAIN, notification: false });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    await waitFor('the completion engine to load the model', async () => (await api.completion.ensureModel()) !== undefined, 60_000);
  });

  it('suggests the engine’s greedy continuation on a trigger, and inlineSuggest.commit inserts it', async () => {
    await setSetting('completion.temperature', 0);
    const expected = await greedy(PREFIX);
    assert.ok(expected.length > 0, `the model continues "${PREFIX}" on the same line (got ${JSON.stringify(expected)})`);
    const editor = await open(PREFIX);
    const document = editor.document;
    const produced = api.completion.next(document.uri);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    const trace = await produced;
    assert.strictEqual(trace.outcome, 'suggested', JSON.stringify(trace));
    assert.strictEqual(trace.insertText, expected);
    assert.strictEqual(trace.source, 'model');
    assert.deepStrictEqual(trace.range, { start: { line: 0, character: PREFIX.length }, end: { line: 0, character: PREFIX.length } });
    assert.ok((trace.tokens ?? 0) > 0 && (trace.ms ?? 0) > 0);
    await waitFor('the status bar to show the timing', () => new RegExp(`LM [\\d\\s,.]+ ms · ${shownAs('{0} tok/s').source}`).test(api.completion.status().text));

    // Tab (editor.action.inlineSuggest.commit) inserts the ghost text once it is shown.
    await waitFor(
      'inlineSuggest.commit to insert the suggestion',
      async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
        return document.getText() !== PREFIX;
      },
      15_000,
    );
    assert.strictEqual(document.getText(), PREFIX + expected);
  });

  it('accepts part of a suggestion with VS Code’s acceptNextWord (plain-text items)', async () => {
    await setSetting('completion.temperature', 0);
    const expected = await greedy(PREFIX);
    const editor = await open(PREFIX);
    const produced = api.completion.next(editor.document.uri);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    assert.strictEqual((await produced).insertText, expected);
    await waitFor(
      'acceptNextWord to insert the first word',
      async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextWord');
        return editor.document.getText() !== PREFIX;
      },
      15_000,
    );
    const inserted = editor.document.getText().slice(PREFIX.length);
    assert.ok(inserted.length > 0 && inserted.length < expected.length, `inserted ${JSON.stringify(inserted)} of ${JSON.stringify(expected)}`);
    assert.ok(expected.startsWith(inserted));
  });

  it('returns nothing for a cancelled request, and the worker stops generating', async () => {
    await setSetting('completion.temperature', 0);
    const editor = await open(PREFIX);
    const position = endOf(editor.document);
    const before = new vscode.CancellationTokenSource();
    before.cancel();
    assert.strictEqual(await api.completion.provide(editor.document, position, { token: before.token }), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'cancelled');

    // cancelled while the worker generates a long suggestion
    await setSetting('completion.maxTokens', 256);
    await setSetting('completion.stopAt', 'none');
    const during = new vscode.CancellationTokenSource();
    const pending = api.completion.provide(editor.document, position, { token: during.token });
    await sleep(30);
    during.cancel();
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(api.completion.last()?.reason, 'cancelled');
    await waitFor('the completion worker to stop the cancelled request', async () => {
      const status = await api.completion.engine.request('status', {});
      return !status.running.some((r) => r.method === 'complete');
    }, 5000);
    await setSetting('completion.maxTokens', undefined);
    await setSetting('completion.stopAt', undefined);

    // debounce: of two automatic requests in a row only the last one is answered
    const first = api.completion.provide(editor.document, position, { trigger: 'automatic' });
    const second = api.completion.provide(editor.document, position, { trigger: 'automatic' });
    assert.strictEqual(await first, undefined);
    const items = await second;
    assert.strictEqual(items?.length, 1);
  });

  it('returns nothing while disabled; the toggle command turns it back on', async () => {
    await setSetting('completion.temperature', 0);
    const editor = await open(PREFIX);
    const position = endOf(editor.document);
    await setSetting('completion.enabled', false);
    assert.strictEqual(await api.completion.provide(editor.document, position), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'disabled');
    await waitFor('the status bar to say "off"', () => new RegExp(`${shownAs('LM complete: off').source}$`).test(api.completion.status().text));
    const toggled = await vscode.commands.executeCommand<{ enabled: boolean }>('lmExplorer.toggleCompletions');
    assert.strictEqual(toggled.enabled, true);
    assert.strictEqual(vscode.workspace.getConfiguration('lmExplorer').get('completion.enabled'), true);
    const items = await api.completion.provide(editor.document, position);
    assert.strictEqual(items?.length, 1);
    await setSetting('completion.enabled', undefined);
  });

  it('says why there is nothing: other language, multiple cursors, mid-word, a document over the size limit', async () => {
    await setSetting('completion.temperature', 0);
    const python = await open('the cat sat', 'python');
    assert.strictEqual(await api.completion.provide(python.document, endOf(python.document)), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'language');
    await waitFor('the status bar to say "off for python"', () => shownAs('LM complete: off for {0}').test(api.completion.status().text));
    await closeEditors();

    const editor = await open(`${PREFIX}\n${PREFIX}`);
    editor.selections = [new vscode.Selection(0, PREFIX.length, 0, PREFIX.length), new vscode.Selection(1, PREFIX.length, 1, PREFIX.length)];
    assert.strictEqual(await api.completion.provide(editor.document, new vscode.Position(0, PREFIX.length)), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'multi-cursor');
    await closeEditors();

    // "…the dog sat |zzz": the model never writes z (it is not in its vocabulary), so it cannot continue the word
    const mid = await open(`${PREFIX}zzz`);
    const at = new vscode.Position(0, PREFIX.length);
    mid.selection = new vscode.Selection(at, at);
    assert.strictEqual(await api.completion.provide(mid.document, at), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'mid-word');
    await waitFor('the status bar to say "mid-word"', () => shownAs('mid-word').test(api.completion.status().text));

    await setSetting('training.maxFileBytes', 16);
    assert.strictEqual(await api.completion.provide(mid.document, at), undefined);
    assert.strictEqual(api.completion.last()?.reason, 'too-large');
    await setSetting('training.maxFileBytes', undefined);
  });

  it('shows the top 10 next tokens with their probabilities, for the editor it is given', async () => {
    const editor = await open(PREFIX);
    // Another editor has the focus: the command reads the one whose URI it gets (as from the context menu).
    const other = await openEditor(`${PREFIX}zzz`, 'markdown', { viewColumn: vscode.ViewColumn.Beside });
    assert.strictEqual(vscode.window.activeTextEditor?.document, other.document);
    const result = await vscode.commands.executeCommand<{
      ok: boolean;
      candidates: { id: number; label: string; prob: number; text?: string; ids: string; codePoint?: number }[];
      total: number;
      context: { id: number; label: string }[];
    }>('lmExplorer.showNextTokenProbabilities', editor.document.uri);
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(result.candidates.length, 10);
    for (let i = 1; i < result.candidates.length; i++) assert.ok(result.candidates[i - 1].prob >= result.candidates[i].prob);
    assert.ok(result.total > 0 && result.total <= 1 + 1e-5);
    assert.strictEqual(result.context.map((t) => t.label).join('').replace(/·/g, ' '), PREFIX);
    // the same distribution the training worker gives, and its most likely token is greedy's first character
    const reference = await api.engine.request('nextTokens', { text: PREFIX, topN: 10 });
    assert.deepStrictEqual(result.candidates.map((c) => c.id), reference.candidates.map((c) => c.id));
    assert.strictEqual(result.candidates[0].text, (await greedy(PREFIX, 1)) || result.candidates[0].text);
    // each shows both IDs: the model's, and (a character model's) the character's code point, or a byte's hex
    let whole = 0;
    for (const c of result.candidates) {
      if (c.codePoint !== undefined) {
        whole++;
        assert.strictEqual(c.codePoint, [...c.text!][0].codePointAt(0), c.label);
        assert.strictEqual(c.ids, `${vscode.l10n.t('model #{0}', c.id)} · U+${c.codePoint.toString(16).toUpperCase().padStart(4, '0')}`);
      } else {
        assert.match(c.ids, new RegExp(`^${vscode.l10n.t('model #{0}', c.id)}( · ${vscode.l10n.t('byte {0}', '[0-9A-F]{2}')})?$`), c.label); // a byte, or <sep>
      }
    }
    assert.ok(whole > 0, 'the likely next tokens include characters');
    assert.strictEqual(api.completion.lastNextTokens()?.ok, true);
    assert.strictEqual(editor.document.getText(), PREFIX, 'showing the pick does not edit');
  });
});
