// Show Token IDs, the status bar counts and Check Context Fit, inside a real extension host
// (`npm run test:integration`). Reads what the extension shows through the API `activate` returns.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { encode, type EncodingName } from '../../src/engine/tokenizer';
import { Vocabulary } from '../../src/engine/vocab';
import type { LmExplorerApi } from '../../src/extension';
import type { OverlayInfo, ShowResult } from '../../src/features/tokens/overlayInfo';
import { tokenTable } from '../../src/features/tokens/core/tokenTable';
import { Rng } from '../../src/engine/rng';
import type { ContextFitResult } from '../../src/features/tokens/commands';
import { activate, captureEditors, closeEditors, extension, isolateTests, openEditor, rememberSetting, shownAs, shownCount, shownNumber, sleep, updateSetting, withTimeout } from './helpers';

const TEXT = [
  'Zażółć gęślą jaźń 🎉 — tokeny, osadzenia i uwaga.',
  'The quick brown fox 🦊 jumps over the lazy dog.',
  '\tKoniec: Q·Kᵀ/√d_k.',
].join('\n');

let api: LmExplorerApi;

const { waitFor, setSetting } = withTimeout(15_000);

/** Show Token IDs on `editor` (named by its document's URI, as the editor's context menu does). */
async function showTokenIds(editor: vscode.TextEditor): Promise<ShowResult> {
  return vscode.commands.executeCommand<ShowResult>('lmExplorer.showTokenIds', editor.document.uri);
}

async function checkContextFit<T = ContextFitResult>(editor: vscode.TextEditor): Promise<T> {
  return vscode.commands.executeCommand<T>('lmExplorer.checkContextFit', editor.document.uri);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

async function hoverAt(document: vscode.TextDocument, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  return hoverText(hovers ?? []);
}

describe('token IDs', function () {
  this.timeout(120_000);

  before(async () => {
    ({ api } = await activate());
    assert.ok(api.tokenOverlay && api.statusBar && api.contextFit, 'activate() returns the API');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
  });
  isolateTests();

  it('draws the IDs as inlay hints where lines wrap (they then count in the wrapping), as decorations elsewhere', async () => {
    const wrap = (languageId: string, value: string | undefined) => updateSetting('editor', 'wordWrap', value, { languageId });
    const hintsOf = async (document: vscode.TextDocument) => {
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        document.uri,
        new vscode.Range(0, 0, document.lineCount, 0),
      );
      return (hints ?? []).map((h) => ({ position: h.position, label: typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('') }));
    };
    await wrap('markdown', 'on');
    await wrap('plaintext', 'off');
    const wrapped = await openEditor(TEXT, 'markdown');
    assert.ok((await showTokenIds(wrapped)).ok);
    const info = api.tokenOverlay.current()!;
    assert.equal(info.decorated.labels, 'inlayHints');
    const hints = await hintsOf(wrapped.document);
    // one hint per token, its ID, in the order of the text; a whole token's hint sits right after it
    assert.deepEqual(hints.map((h) => h.label), info.tokens.map((t) => t.label));
    assert.ok(hints[0].position.isEqual(info.tokens[0].range.end));
    await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
    assert.deepEqual(await hintsOf(wrapped.document), [], 'no hints once cleared');

    const plain = await openEditor(TEXT, 'plaintext');
    assert.ok((await showTokenIds(plain)).ok);
    assert.equal(api.tokenOverlay.current()!.decorated.labels, 'decorations');
    assert.deepEqual(await hintsOf(plain.document), [], 'no hints where the IDs are decorations');
    // turning wrapping on while the IDs are shown moves them into hints
    await wrap('plaintext', 'on');
    await waitFor('labels drawn as inlay hints', () => (api.tokenOverlay.current()?.decorated.labels === 'inlayHints' ? true : undefined));
    assert.equal((await hintsOf(plain.document)).length, api.tokenOverlay.current()!.tokenCount);
  });

  it('keeps the IDs inside the editor when lines wrap, measured in the real browser (when the launcher captures)', async function () {
    const outDir = path.join(extension().extensionPath, 'test-results');
    const paragraph = Array.from({ length: 6 }, () => 'Każdy token ma zapytanie, klucz i wartość; softmax(Q·Kᵀ/√d_k) waży wartości.').join(' ');
    const measure = async (wordWrap: string, name: string) => {
      await updateSetting('editor', 'wordWrap', wordWrap, { languageId: 'markdown' });
      const editor = await openEditor(`${paragraph}\n\n${paragraph}`, 'markdown');
      assert.ok((await showTokenIds(editor)).ok);
      await sleep(1500); // inlay hints are drawn after a short delay
      const report = await captureEditors(outDir, name);
      await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
      await closeEditors();
      return report;
    };
    const wrapped = await measure('on', 'token-ids-wrapped');
    if (!wrapped) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
    assert.ok(wrapped.ok, String(wrapped.error));
    const [editor] = wrapped.editors ?? [];
    assert.ok(editor && editor.lines >= 6 && editor.spans > 100, `the wrapped editor was drawn: ${JSON.stringify(wrapped.editors)}`);
    assert.equal(editor.overflowing, 0, `spans past the right edge, by up to ${editor.pastEdge}px`);
    // the measurement sees overflow where there is some: the same lines without wrapping run past the edge
    const unwrapped = await measure('off', 'token-ids-unwrapped');
    assert.ok(unwrapped?.ok && (unwrapped.editors?.[0]?.overflowing ?? 0) > 0, `no overflow measured: ${JSON.stringify(unwrapped)}`);
  });

  it('sets the IDs apart from numbers in the text: smaller, boxed, with a gap, legible in light, dark and high-contrast themes (real browser)', async () => {
    const outDir = path.join(extension().extensionPath, 'test-results');
    const numbers = '| 0.1234 | -0.98 | 72332 | 1398 |\n220167204695 3.14159 2718281828 1e-5\n'.repeat(4);
    await updateSetting('editor', 'wordWrap', 'off', { languageId: 'plaintext' });
    const editor = await openEditor(numbers, 'plaintext');
    assert.ok((await showTokenIds(editor)).ok);
    assert.equal(api.tokenOverlay.current()!.decorated.labels, 'decorations');
    for (const theme of ['Default Light Modern', 'Default Dark Modern', 'Default High Contrast', 'Default High Contrast Light']) {
      await updateSetting('workbench', 'colorTheme', theme);
      await sleep(800); // the workbench restyles
      const report = await captureEditors(outDir, `token-ids-numbers-${theme.toLowerCase().replace(/\W+/g, '-')}`);
      assert.ok(report?.ok, String(report?.error));
      const labels = report.editors?.[0]?.labels;
      console.log(`  ${theme}: ${JSON.stringify(labels)}`);
      assert.ok(labels && labels.count >= 20, `the IDs were found in the page: ${JSON.stringify(report.editors)}`);
      assert.ok(labels.minGapBefore !== null && labels.minGapBefore >= 2, `${theme}: a gap before every ID (${labels.minGapBefore}px)`);
      assert.ok(labels.minGapAfter !== null && labels.minGapAfter >= 2, `${theme}: a gap after every ID (${labels.minGapAfter}px)`);
      assert.ok(labels.fontRatio > 0 && labels.fontRatio <= 0.8, `${theme}: IDs smaller than the text (${labels.fontRatio})`);
      assert.ok(labels.minContrast !== null && labels.minContrast >= 3, `${theme}: IDs legible (contrast ${labels.minContrast})`);
    }
  });

  it('shows the IDs of the selection: the encoder’s IDs, ranges that reassemble the text', async () => {
    const editor = await openEditor(TEXT);
    const selection = new vscode.Selection(0, 0, 1, editor.document.lineAt(1).text.length);
    editor.selection = selection;
    const selected = editor.document.getText(selection);
    const result = await showTokenIds(editor);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.source, 'selection');
    const info = api.tokenOverlay.current();
    assert.ok(info);
    assert.equal(info.editorUri, editor.document.uri.toString());
    assert.equal(info.encoding, 'o200k_base');
    assert.deepEqual(
      info.tokens.map((t) => t.id),
      encode(selected, 'o200k_base'),
    );
    assert.equal(info.tokenCount, info.tokens.length);
    // The ranges tile the selection (a token that finishes a split character has an empty range).
    assert.equal(info.tokens.map((t) => editor.document.getText(t.range)).join(''), selected);
    assert.ok(info.tokens[0].range.start.isEqual(selection.start));
    assert.ok(info.tokens[info.tokens.length - 1].range.end.isEqual(selection.end));
    for (const t of info.tokens) assert.equal(t.label, t.range.isEmpty ? `+${t.id}` : String(t.id));
    assert.ok(info.tokens.some((t) => t.range.isEmpty), 'the emoji is split over two tokens');
    // A small selection is decorated whole.
    assert.equal(info.decorated.count, info.tokenCount);
  });

  it('tokenizes the whole document when nothing is selected', async () => {
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    const result = await showTokenIds(editor);
    assert.ok(result.ok);
    assert.equal(result.source, 'document');
    const info = api.tokenOverlay.current()!;
    assert.deepEqual(info.tokens.map((t) => t.id), encode(TEXT, 'o200k_base'));
    assert.equal(info.tokens.map((t) => editor.document.getText(t.range)).join(''), TEXT);
  });

  it('describes a token on hover: index, ID, visible whitespace, bytes of a split character, encoding', async () => {
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(0, 0, 2, 0);
    await showTokenIds(editor);
    const info = api.tokenOverlay.current()!;
    const doc = editor.document;

    // " gęślą": the second word starts with a space token piece
    const g = info.tokens.find((t) => t.text.startsWith(' g'))!;
    const hover = await hoverAt(doc, g.range.start.translate(0, 1));
    assert.ok(hover.includes(vscode.l10n.t('Token {0} of {1}', shownNumber(g.index + 1), shownNumber(info.tokenCount))), hover);
    assert.match(hover, new RegExp(`ID \\*\\*${g.id}\\*\\*`));
    assert.match(hover, /`·g/, 'the leading space is shown as ·');
    assert.match(hover, /o200k_base/);

    // The emoji: two tokens, neither a whole character.
    const emoji = doc.positionAt(TEXT.indexOf('🎉'));
    const emojiHover = await hoverAt(doc, emoji);
    assert.ok(emojiHover.includes(vscode.l10n.t('Bytes: {0}', '`20 F0 9F 8E`')), emojiHover); // the space and the first three bytes of 🎉
    assert.match(emojiHover, shownAs('part of a character'));
    assert.equal((emojiHover.match(new RegExp(`\\*\\*${shownAs('Token {0} of {1}').source}`, 'g')) ?? []).length, 2);

    // No hover outside the overlay, nor after it is cleared.
    const outside = await hoverAt(doc, new vscode.Position(2, 3));
    assert.doesNotMatch(outside, shownAs('Token {0} of {1}'));
    await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
    assert.doesNotMatch(await hoverAt(doc, g.range.start), shownAs('Token {0} of {1}'));
  });

  it('has a hover on every character, listing all the byte pieces of a split letter with their bytes and IDs (r50k_base)', async () => {
    await setSetting('tokens.encoding', 'r50k_base');
    const line = 'Zażółć gęślą jaźń';
    const editor = await openEditor(line, 'plaintext');
    assert.ok((await showTokenIds(editor)).ok);
    const info = api.tokenOverlay.current()!;
    assert.equal(info.encoding, 'r50k_base');
    for (let offset = 0; offset < line.length; offset++) {
      const hover = await hoverAt(editor.document, new vscode.Position(0, offset));
      assert.match(hover, new RegExp(`\\*\\*${shownAs('Token {0} of {1}').source}`), `a hover on «${line[offset]}» at ${offset}`);
    }
    const e = line.indexOf('ę');
    const hover = await hoverAt(editor.document, new vscode.Position(0, e));
    assert.ok(hover.includes(vscode.l10n.t('{0} is {1}, {2}, split over {3}:', { 0: '`ę`', 1: shownCount(2, '{0} byte|{0} bytes'), 2: '`C4 99`', 3: shownCount(2, '{0} token|{0} tokens') })), hover);
    const pieces = info.tokens.filter((t) => t.range.contains(new vscode.Position(0, e)) || t.range.start.character === e + 1);
    const bytesShown = [...hover.matchAll(new RegExp(vscode.l10n.t('Bytes: {0}', '`([0-9A-F ]+)`'), 'g'))].map((m) => m[1]);
    assert.ok(bytesShown.some((b) => b.endsWith('C4')) && bytesShown.some((b) => b.startsWith('99')), bytesShown.join(' | '));
    const ids = [...hover.matchAll(/ID \*\*(\d+)\*\*/g)].map((m) => Number(m[1]));
    assert.equal(ids.length, 2);
    for (const id of ids) assert.ok(pieces.some((t) => t.id === id), `ID ${id} is one of the tokens there`);
    assert.doesNotMatch(hover, /r50k_base\* · /, 'the legend is not set off by a dot');
  });

  it('clears on the command; follows edits inside it, before and after it; clears on one across its edge', async () => {
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(0, 0, 0, 17);
    await showTokenIds(editor);
    assert.ok(api.tokenOverlay.current());
    const cleared = await vscode.commands.executeCommand<{ cleared: boolean }>('lmExplorer.clearTokenIds');
    assert.equal(cleared.cleared, true);
    assert.equal(api.tokenOverlay.current(), undefined);

    // An edit after the selection leaves it alone; one before it moves it; one inside it re-tokenizes it;
    // one across its edge clears it.
    editor.selection = new vscode.Selection(1, 4, 1, 19);
    await showTokenIds(editor);
    const before = api.tokenOverlay.current()!;
    await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'xyz '));
    assert.deepEqual(api.tokenOverlay.current()?.tokens.map((t) => t.id), before.tokens.map((t) => t.id));
    await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'AB'));
    const moved = api.tokenOverlay.current()!;
    assert.ok(moved, 'an edit before the overlay keeps it');
    assert.equal(editor.document.getText(moved.range), 'quick brown fox');
    assert.ok(moved.range.start.isEqual(new vscode.Position(1, 6)));
    await editor.edit((e) => e.insert(new vscode.Position(1, 10), 'Q'));
    await api.tokenOverlay.whenIdle();
    const inside = api.tokenOverlay.current()!;
    assert.equal(editor.document.getText(inside.range), 'quicQk brown fox');
    assert.deepEqual(inside.tokens.map((t) => t.id), encode('quicQk brown fox', 'o200k_base'));
    await editor.edit((e) => e.delete(new vscode.Range(1, 0, 1, 8)));
    assert.equal(api.tokenOverlay.current(), undefined, 'an edit across its edge clears it');
  });

  /** Whether the overlay is the tokenization of the text it covers now: IDs, and ranges that tile that text. */
  function assertOverlayMatches(document: vscode.TextDocument, info: OverlayInfo, what: string): void {
    const text = document.getText(info.range);
    const fresh = tokenTable(text, info.tokenizer as EncodingName);
    const base = document.offsetAt(info.range.start);
    assert.deepEqual(info.tokens.map((t) => t.id), Array.from(fresh.ids), `${what}: the IDs are a fresh tokenization's`);
    info.tokens.forEach((t, i) => {
      assert.equal(document.offsetAt(t.range.start) - base, fresh.starts[i], `${what}: token ${i} starts where it should`);
      assert.equal(document.offsetAt(t.range.end) - base, fresh.ends[i], `${what}: token ${i} ends where it should`);
    });
    assert.equal(info.tokenCount, fresh.ids.length, what);
  }

  it('stays a fresh tokenization of the text through random edits, undos and redos (seeded)', async () => {
    const seed = Number(process.env.LMX_TOKEN_SEED ?? Date.now() % 100_000);
    console.log(`  random edits: seed ${seed} (LMX_TOKEN_SEED=${seed} repeats it)`);
    const rng = new Rng(seed);
    const pieces = ['a', ' ', '\n', 'ę', 'ż', '🦊', '42', '.', '\t', 'Wykład ', '\n\n', '0.25 '];
    for (const source of ['document', 'selection'] as const) {
      const editor = await openEditor(`${TEXT}\n${TEXT}\n| 0.1234 | -0.98 | 72332 |\n`, 'plaintext');
      const document = editor.document;
      editor.selection = source === 'document' ? new vscode.Selection(0, 0, 0, 0) : new vscode.Selection(1, 0, 3, 5);
      assert.ok((await showTokenIds(editor)).ok);
      let shown = 0;
      for (let step = 0; step < 40; step++) {
        const what = `seed ${seed}, ${source}, step ${step}`;
        const op = rng.next();
        if (op < 0.25) await vscode.commands.executeCommand('undo');
        else if (op < 0.4) await vscode.commands.executeCommand('redo');
        else {
          const length = document.getText().length;
          const at = document.positionAt(rng.int(length + 1));
          const to = document.positionAt(Math.min(length, document.offsetAt(at) + (rng.next() < 0.5 ? 0 : rng.int(8))));
          const inserted = rng.next() < 0.3 ? '' : pieces[rng.int(pieces.length)];
          await editor.edit((edit) => edit.replace(new vscode.Range(at, to), inserted || 'q'));
        }
        // At any moment: no overlay, or the right one.
        const now = api.tokenOverlay.current();
        if (now) assertOverlayMatches(document, now, `${what} (right after the edit)`);
        await api.tokenOverlay.whenIdle();
        const settled = api.tokenOverlay.current();
        if (source === 'document') assert.ok(settled, `${what}: a whole-document overlay follows every edit`);
        if (settled) {
          assertOverlayMatches(document, settled, what);
          assert.equal(settled.decorated.count, settled.tokenCount, `${what}: every token drawn`);
          shown++;
        }
      }
      if (source === 'selection') assert.ok(shown > 0, 'the selection overlay outlived some edits');
      await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
      await closeEditors();
    }
  });

  it('follows typing and three undos (one ID drawn per token, in the real browser), and a reload of the file from disk', async () => {
    await updateSetting('editor', 'wordWrap', 'off', { languageId: 'plaintext' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-tokens-'));
    const file = path.join(dir, 'notatki.txt');
    const lines = ['Nie posiada on żadnych wektorów.', '0.1234 0.5678 72332 1398', 'Koniec.'];
    fs.writeFileSync(file, lines.join('\n'));
    try {
      const editor = await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
      const document = editor.document;
      assert.ok((await showTokenIds(editor)).ok);
      editor.selection = new vscode.Selection(0, lines[0].length, 0, lines[0].length);
      await vscode.commands.executeCommand('type', { text: '\nNowa linia' });
      for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('undo');
      await api.tokenOverlay.whenIdle();
      const afterUndo = api.tokenOverlay.current()!;
      assert.equal(document.getText(), lines.join('\n'));
      assertOverlayMatches(document, afterUndo, 'after undo');
      assert.equal(afterUndo.decorated.count, afterUndo.tokenCount);
      // What the page draws: one ID per token, none twice, none left over from before the undo. The renderer
      // paints decorations a moment after the extension sets them, so measure again until it has caught up
      // (or 5 s have passed: a page that keeps drawing a wrong number of IDs fails).
      let report: Awaited<ReturnType<typeof captureEditors>>;
      const drawnBy = Date.now() + 5000;
      for (;;) {
        report = await captureEditors(path.join(extension().extensionPath, 'test-results'), 'token-ids-after-undo');
        assert.ok(report?.ok, String(report?.error));
        if (report.editors?.[0]?.labels.count === afterUndo.tokenCount || Date.now() > drawnBy) break;
        await sleep(250);
      }
      assert.equal(report.editors?.[0]?.labels.count, afterUndo.tokenCount, `IDs drawn: ${JSON.stringify(report.editors)}`);

      // Another program rewrites the file; reverting loads it (as VS Code does for a file that is not dirty).
      await document.save();
      const rewritten = `${lines[0]}\n${'9.87 65.4 3210\n'.repeat(200)}${lines[2]}`;
      fs.writeFileSync(file, rewritten);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await waitFor('the reloaded text', () => document.getText() === rewritten);
      await api.tokenOverlay.whenIdle();
      const reloaded = await waitFor('the overlay of the reloaded text', () => api.tokenOverlay.current());
      assert.equal(reloaded.range.end.line, document.lineCount - 1, 'the overlay covers the new text, to its end');
      assertOverlayMatches(document, reloaded, 'after the reload');
    } finally {
      await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
      await closeEditors();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds Escape to Clear Token IDs while the overlay is shown', () => {
    const ext = extension();
    const bindings: { command: string; key: string; when?: string }[] = ext.packageJSON.contributes.keybindings;
    const escape = bindings.find((b) => b.command === 'lmExplorer.clearTokenIds');
    assert.equal(escape?.key, 'escape');
    assert.match(escape!.when!, /lmExplorer\.tokenIdsVisible/);
  });

  it('switches the encoding: the quick pick’s command rewrites the setting and the IDs follow', async () => {
    rememberSetting('lmExplorer', 'tokens.encoding'); // the command under test writes it
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(0, 0, 1, 0);
    const text = editor.document.getText(editor.selection);
    await showTokenIds(editor);
    const o200k = api.tokenOverlay.current()!.tokens.map((t) => t.id);
    assert.deepEqual(o200k, encode(text, 'o200k_base'));
    for (const encoding of ['r50k_base', 'cl100k_base', 'p50k_base'] as EncodingName[]) {
      const switched = await vscode.commands.executeCommand<{ ok: boolean }>('lmExplorer.switchEncoding', encoding);
      assert.ok(switched.ok);
      assert.equal(vscode.workspace.getConfiguration('lmExplorer').get('tokens.encoding'), encoding);
      const info = await waitFor(`the overlay in ${encoding}`, () => {
        const now = api.tokenOverlay.current();
        return now?.encoding === encoding && now;
      });
      await api.tokenOverlay.whenIdle();
      assert.deepEqual(info.tokens.map((t) => t.id), encode(text, encoding));
      assert.notDeepEqual(info.tokens.map((t) => t.id), o200k);
      await api.statusBar.refresh();
      assert.equal(api.statusBar.counts()?.tokens, encode(text, encoding).length);
      assert.equal(api.statusBar.counts()?.encoding, encoding);
    }
  });

  it('counts tokens, words and characters in the status bar', async () => {
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(1, 4, 1, 19); // "quick brown fox"
    const text = await api.statusBar.refresh();
    assert.equal(text, [shownCount(encode('quick brown fox', 'o200k_base').length, '{0} token|{0} tokens'), shownCount(3, '{0} word|{0} words'), shownCount(15, '{0} char|{0} chars')].join(' · '));
    assert.equal(api.statusBar.counts()?.source, 'selection');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await api.statusBar.refresh();
    const counts = api.statusBar.counts()!;
    assert.equal(counts.source, 'document');
    assert.equal(counts.tokens, encode(TEXT, 'o200k_base').length);
    assert.equal(counts.chars, [...TEXT].length);
    const shownCounts = [shownAs('{0} token|{0} tokens'), shownAs('{0} word|{0} words'), shownAs('{0} char|{0} chars')].map((p) => p.source).join(' · ');
    assert.match(api.statusBar.text()!, new RegExp(`^${shownCounts}$`));
  });

  it('checks the context fit against well-known models, with the selected encoding where a model’s own is not known', async () => {
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const result = await checkContextFit(editor);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(result.ok);
    assert.equal(result.source, 'document');
    assert.equal(result.encoding, 'o200k_base');
    assert.match(result.asOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(result.counts.o200k_base, encode(TEXT, 'o200k_base').length);
    assert.equal(result.counts.cl100k_base, encode(TEXT, 'cl100k_base').length);
    const gpt4o = result.rows.find((r) => r.model.name === 'GPT-4o')!;
    assert.equal(gpt4o.fits, true);
    assert.equal(gpt4o.percent, (encode(TEXT, 'o200k_base').length / 128_000) * 100);
    assert.ok(result.rows.every((r) => r.fits));
    assert.ok(result.rows.some((r) => !r.exact), 'non-OpenAI rows are marked as estimates');
    assert.deepEqual(api.contextFit.last()?.counts, result.counts);

    // With r50k_base selected, the headline count is the status bar's, and the estimates use it too.
    await setSetting('tokens.encoding', 'r50k_base');
    const r50k = await checkContextFit(editor);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await api.statusBar.refresh();
    assert.equal(r50k.encoding, 'r50k_base');
    assert.equal(r50k.counts.r50k_base, api.statusBar.counts()?.tokens);
    const claude = r50k.rows.find((r) => r.model.vendor === 'Anthropic')!;
    assert.equal(claude.encoding, 'r50k_base');
    assert.equal(claude.tokens, encode(TEXT, 'r50k_base').length);
    assert.equal(r50k.rows.find((r) => r.model.name === 'GPT-4o')!.encoding, 'o200k_base', 'OpenAI models keep their own');
    await setSetting('tokens.encoding', undefined);

    // A long text overflows the small windows (GPT-2's 1024 tokens) but not the large ones.
    const longEditor = await openEditor(TEXT.repeat(60));
    const long = await checkContextFit(longEditor);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(long.rows.find((r) => r.model.name === 'GPT-2')?.fits, false);
    assert.equal(long.rows.find((r) => r.model.name === 'GPT-4.1')?.fits, true);
    assert.deepEqual(api.contextFit.last()?.counts, long.counts);
  });

  it('says so when there is nothing to tokenize', async () => {
    const empty = await openEditor('');
    const result = await showTokenIds(empty);
    assert.equal(result.ok, false);
    const emptyMessage = shownAs('Nothing to tokenize: the document is empty. Type or paste some text first.');
    assert.match((result as { message: string }).message, emptyMessage);
    assert.match(api.messages.last()?.text ?? '', emptyMessage);
    assert.equal(api.tokenOverlay.current(), undefined);
    const fit = await checkContextFit<{ ok: boolean; message?: string }>(empty);
    assert.equal(fit.ok, false);
    assert.match(fit.message!, shownAs('Nothing to check: the document is empty.'));
  });

  it('tokenizes NUL characters and lone surrogates without crashing, and says what it saw', async () => {
    const editor = await openEditor('bin\u0000ary \ud800 data\u0001!', 'plaintext');
    // VS Code itself turns a lone surrogate into U+FFFD on its way into a document (unit tests cover
    // lone surrogates in the tokenizer); the NUL and the control character stay.
    const text = editor.document.getText();
    assert.ok(text.includes('\u0000'));
    const result = await showTokenIds(editor);
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(result.warnings.some((w) => shownAs('This text holds NUL or other control characters (is it a binary file?). They are tokenized like any other character and shown as ␀, ␁… in the hover.').test(w)), result.warnings.join('\n'));
    const info = api.tokenOverlay.current()!;
    assert.deepEqual(info.tokens.map((t) => t.id), encode(text, 'o200k_base'));
    assert.equal(info.tokens.map((t) => editor.document.getText(t.range)).join(''), text);
    const nul = editor.document.positionAt(text.indexOf('\u0000'));
    assert.match(await hoverAt(editor.document, nul), /␀/);
  });

  it('falls back to o200k_base, saying so, for the model encoding without a model; uses the model’s IDs once there is one', async () => {
    const vocabFile = api.tokenizer.modelVocabularyFile();
    await setSetting('tokens.encoding', 'model');
    const editor = await openEditor(TEXT);
    editor.selection = new vscode.Selection(0, 0, 1, 0);
    const text = editor.document.getText(editor.selection);
    const fallback = await showTokenIds(editor);
    assert.ok(fallback.ok);
    assert.equal(fallback.encoding, 'o200k_base');
    assert.ok(fallback.warnings.some((w) => shownAs('No trained model yet').test(w)), fallback.warnings.join('\n'));
    assert.ok(vocabFile, 'the test host opens a workspace folder, so there is storage for a model');
    const vocab = Vocabulary.build([encode('Zażółć gęślą jaźń — tokeny', 'o200k_base')], 'o200k_base');
    fs.mkdirSync(path.dirname(vocabFile), { recursive: true });
    fs.writeFileSync(vocabFile, JSON.stringify(vocab.toJSON()));
    try {
      const result = await showTokenIds(editor);
      assert.ok(result.ok);
      assert.equal(result.encoding, 'model');
      const info = api.tokenOverlay.current()!;
      const external = encode(text, 'o200k_base');
      assert.deepEqual(info.tokens.map((t) => t.id), external);
      // one model ID per GPT token (0 for a token the model spells in bytes: it has no one ID for it)
      assert.deepEqual(info.tokens.map((t) => t.modelId), external.map((id) => vocab.modelIdOf(id) ?? Vocabulary.UNK));
      assert.ok(info.tokens.some((t) => t.modelId === Vocabulary.UNK), 'English words are not in this vocabulary');
      const known = info.tokens.find((t) => t.modelId !== Vocabulary.UNK && !t.range.isEmpty)!;
      assert.equal(known.label, String(known.modelId));
      // the hover gives both IDs and says why there are two
      const hover = await hoverAt(editor.document, known.range.start);
      assert.ok(hover.includes(`${vscode.l10n.t('model #{0}', known.modelId ?? '')} · GPT ${known.id}`), hover);
      assert.ok(hover.includes(vscode.l10n.t('Your model has a compact vocabulary of its own: only the tokens your notes use, numbered from the most frequent (model #), each standing for a token of the GPT encoding (GPT) or, with no GPT ID, a single byte.')), hover);
      const unknown = info.tokens.find((t) => t.modelId === Vocabulary.UNK && !t.range.isEmpty)!;
      const unknownHover = await hoverAt(editor.document, unknown.range.start);
      assert.ok(
        shownAs("{0} ID {1} is not in your model's vocabulary: it reads it as {2} byte token, {3}|{0} ID {1} is not in your model's vocabulary: it reads it as {2} byte tokens, {3}").test(unknownHover) ||
          shownAs('**<unk>** in your model: {0} ID {1} is not in its vocabulary').test(unknownHover),
        unknownHover,
      );
      assert.ok(unknownHover.includes(String(unknown.id)), unknownHover);
    } finally {
      fs.rmSync(vocabFile, { force: true });
    }
  });

  it('decorates only near the visible range of a 1 MB document, tokenized off the host thread', async () => {
    const line = 'Uwaga wielogłowicowa: Q·Kᵀ/√d_k, softmax i W_O. Multi-head attention mixes the values. 🎉\n';
    const big = line.repeat(Math.ceil(1_048_576 / line.length));
    const editor = await openEditor(big, 'plaintext');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const workerBefore = api.tokenizer.workerRequests();
    const started = Date.now();
    const result = await showTokenIds(editor);
    const elapsed = Date.now() - started;
    assert.ok(result.ok, JSON.stringify(result));
    const info = api.tokenOverlay.current({ maxTokens: 0 })!;
    assert.equal(api.tokenizer.workerProblem(), undefined);
    assert.equal(info.offThread, true);
    assert.ok(api.tokenizer.workerRequests() > workerBefore, 'the worker tokenized it');
    assert.equal(info.tokenCount, encode(big, 'o200k_base').length);
    assert.ok(info.tokenCount > 200_000);
    assert.ok(info.decorated.count > 0 && info.decorated.count <= 3000, `decorated ${info.decorated.count}`);
    const visible = editor.visibleRanges;
    const top = visible[0].start.line;
    const bottom = visible[visible.length - 1].end.line;
    const span = Math.max(40, bottom - top);
    assert.ok(info.decorated.range!.start.line >= Math.max(0, top - span - 1), 'decorations start near the view');
    assert.ok(info.decorated.range!.end.line <= bottom + span + 1, 'decorations end near the view');

    // Scrolling far down moves the decorated window along.
    const target = Math.floor(editor.document.lineCount / 2);
    editor.revealRange(new vscode.Range(target, 0, target, 0), vscode.TextEditorRevealType.InCenter);
    const moved = await waitFor('the decorations to follow the scroll', () => {
      const now = api.tokenOverlay.current({ maxTokens: 0 });
      const r = now?.decorated.range;
      return r && r.start.line <= target && r.end.line >= target && now;
    });
    assert.ok(moved.decorated.count <= 3000);
    console.log(
      `  1 MB: ${info.tokenCount} tokens in ${elapsed} ms (worker); ${info.decorated.count} decorated in ` +
        `${info.decorated.renderMs.toFixed(1)} ms, after scrolling ${moved.decorated.count} in ${moved.decorated.renderMs.toFixed(1)} ms`,
    );
  });
});
