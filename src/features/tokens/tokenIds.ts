// The token ID overlay: each token of the selection (or the document) gets an alternating background from a
// themed palette and its ID drawn right after it; hovering a token tells its index, ID, text and bytes.
//
// Only the tokens near the visible ranges are decorated (re-laid out on scroll), so a 1 MB document keeps
// ~400k tokens in compact arrays and draws a screenful. Large texts are tokenized in the worker (see
// src/worker/tokens/client.ts). One overlay at a time: showing IDs elsewhere replaces it.
//
// Edits: the overlay is always the tokenization of the overlaid text as it is now, or nothing. An edit
// inside it (typing, paste, undo, redo, a reload from disk) re-tokenizes the lines around the change and
// redraws (tokenSplice.ts; in the worker when the host has not loaded the encoding, and the whole text,
// with the overlay hidden meanwhile, when the change is too big for a window). An edit before a selection's
// overlay shifts it, one after it changes nothing, one across its edge clears it. Until the new tokens are
// in, the overlay reads as absent (current() is undefined, no hover, no inlay hints).
//
// Word wrap: VS Code wraps lines without counting the text of `after` decorations, so with wrapping on
// (Markdown's default) the IDs would run past the right edge. There they are drawn as inlay hints instead,
// which the wrapping does count (see labelMode); without wrapping they stay decorations, styled as small
// raised marks.

import * as vscode from 'vscode';
import { utf8Text, type TokenizerName } from '../../engine/tokenizer';
import { Vocabulary } from '../../engine/vocab';
import { HF_IMPORT_FILES } from '../../engine/hf/importHf';
import type { TokensConfig } from '../../config';
import {
  characterAt,
  layoutWindow,
  hoverMarkdown,
  modelLabels,
  isContinuation,
  PALETTE_SIZE,
  tokenLabel,
  tokensAt,
  tokenWindow,
  type HoverToken,
  type TokenWindow,
} from './core/tokenLayout';
import { resolveEncoding, type ModelVocabulary, type ResolvedEncoding } from './core/encodingSetting';
import type { EncodingSetting } from '../../config/settings';
import { tableTokenBytes, type TokenTable } from './core/tokenTable';
import { type TokenizeService, isSuperseded } from '../../worker/tokens/client';
import { composeChanges, spliceTable, spliceValues, type TextChange } from './core/tokenSplice';
import type { OverlayInfo, OverlayToken, ShowResult } from './overlayInfo';
import { labelMode, labelStyle, type LabelMode } from './overlayLabels';

/** Context key: true while the active editor shows token IDs (the Escape keybinding's `when`). */
export const CONTEXT_KEY = 'lmExplorer.tokenIdsVisible';

/** At most this many tokens are decorated at once (a 1 MB single-line file would otherwise be all of them). */
export const MAX_DECORATED_TOKENS = 3000;
/** Lines decorated above and below the visible ones, at least. */
export const MARGIN_LINES = 40;
/** An edit is re-tokenized in a window of lines up to this long (UTF-16 units); a bigger one, the whole text. */
export const MAX_SPLICE_WINDOW = 16 * 1024;

export interface OverlayDeps {
  service: TokenizeService;
  config: () => TokensConfig;
  model: ModelVocabulary;
  log?: (message: string) => void;
}

/**
 * The model's one ID for each GPT token; 0 where it has none (the token is not in its vocabulary: the model
 * reads it as <unk>, or spells it in byte tokens).
 */
function modelIdsOf(vocab: Vocabulary, ids: ArrayLike<number>): Uint32Array {
  return Uint32Array.from(Array.from(ids), (id) => vocab.modelIdOf(id) ?? Vocabulary.UNK);
}

/** Whether the overlay's tokens are those of its text now (not being remade after an edit or a new encoding). */
function ready(s: OverlayState): boolean {
  return s.pending === undefined && !s.refreshing;
}

interface OverlayState {
  editor: vscode.TextEditor;
  document: vscode.TextDocument;
  uri: string;
  version: number;
  /** Document offset of the overlaid text's start. */
  base: number;
  text: string;
  source: 'selection' | 'document';
  encoding: ResolvedEncoding;
  table: TokenTable;
  /** The IDs drawn: the model's IDs with the model's vocabulary (see modelLabels), else the table's. */
  labelIds: ArrayLike<number | string>;
  modelIds?: Uint32Array;
  offThread: boolean;
  /** Decorated now. */
  window: TokenWindow;
  /** Lines the decorated window covers (to skip relayout while scrolling inside it). */
  lines: { from: number; to: number } | undefined;
  renderMs: number;
  labels: LabelMode;
  /** The change of `text` since `table` was made; set while it is being re-tokenized. */
  pending: TextChange | undefined;
  /** Set while the whole text is re-tokenized (a new encoding): nothing is shown meanwhile. */
  refreshing: boolean;
}

const NUL_OR_CONTROL = /[\u0000-\u0008\u000e-\u001f]/;

export class TokenOverlay implements vscode.Disposable {
  private state: OverlayState | undefined;
  private readonly backgroundTypes: vscode.TextEditorDecorationType[];
  private readonly labelType: vscode.TextEditorDecorationType;
  private readonly whitespaceTypes: Record<'space' | 'tab' | 'newline', vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];
  private hoverRegistration: vscode.Disposable | undefined;
  private hintsRegistration: vscode.Disposable | undefined;
  private readonly hintsChanged = new vscode.EventEmitter<void>();
  private generation = 0;
  private editGeneration = 0;
  private pending: Promise<unknown> = Promise.resolve();
  private renderTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OverlayDeps) {
    this.backgroundTypes = Array.from({ length: PALETTE_SIZE }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(`lmExplorer.tokenBackground${i + 1}`),
        borderRadius: '2px',
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.labelType = vscode.window.createTextEditorDecorationType({
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    // Spaces and tabs: the mark is drawn after the character and pulled back over it by a negative margin as
    // wide as itself, so the text does not move; positioned, so that no token background painted later
    // covers it. Line breaks: drawn at the end of the line, where nothing follows.
    const mark = (contentText: string, overlay: boolean) =>
      vscode.window.createTextEditorDecorationType({
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        after: {
          contentText,
          color: new vscode.ThemeColor('lmExplorer.tokenWhitespaceForeground'),
          margin: overlay ? '0 0 0 -1ch' : '0',
          width: overlay ? '1ch' : undefined,
          textDecoration: 'none; position: relative; z-index: 1; text-align: center',
        },
      });
    this.whitespaceTypes = { space: mark('·', true), tab: mark('→', true), newline: mark('↵', false) };
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (this.state && doc.uri.toString() === this.state.uri) this.clear();
      }),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        if (this.state && e.textEditor === this.state.editor) this.scheduleRender();
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContextKey()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (this.state && ['editor.wordWrap', 'editor.inlayHints'].some((key) => event.affectsConfiguration(key, this.state!.document))) {
          this.relayout();
        }
      }),
      this.hintsChanged,
    );
  }

  /** Shows the token IDs of `range` (default: the selection, or the whole document when it is empty). */
  show(editor: vscode.TextEditor, range?: vscode.Range, source?: 'selection' | 'document'): Promise<ShowResult> {
    const run = this.doShow(editor, range, source);
    this.pending = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the latest show (or re-show after a settings change) has finished. */
  async whenIdle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.pending) {
      seen = this.pending;
      await seen;
    }
  }

  private async doShow(editor: vscode.TextEditor, range?: vscode.Range, sourceOverride?: 'selection' | 'document'): Promise<ShowResult> {
    const generation = ++this.generation;
    const document = editor.document;
    const selection = editor.selection;
    const source: 'selection' | 'document' = sourceOverride ?? (range || !selection.isEmpty ? 'selection' : 'document');
    const target =
      range ?? (selection.isEmpty ? new vscode.Range(0, 0, document.lineCount, 0) : new vscode.Range(selection.start, selection.end));
    const validated = document.validateRange(target);
    const text = document.getText(validated);
    if (text.length === 0) {
      return {
        ok: false,
        message:
          document.getText().length === 0
            ? vscode.l10n.t('Nothing to tokenize: the document is empty. Type or paste some text first.')
            : vscode.l10n.t('Nothing to tokenize: the selection is empty.'),
      };
    }
    const version = document.version;
    const config = this.deps.config();
    const encoding = await resolveEncoding(config.encoding, this.deps.model);
    const offThread = this.deps.service.usesWorker(text.length);
    const tokenize = () => this.deps.service.tokenize(text, encoding.tokenizer);
    const table = offThread
      ? await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Tokenizing {0} KB…', Math.round(text.length / 1024)) },
          tokenize,
        )
      : await tokenize();
    if (generation !== this.generation) return { ok: false, message: vscode.l10n.t('Replaced by a newer Show Token IDs.') };
    if (document.version !== version || document.isClosed) {
      return { ok: false, message: vscode.l10n.t('The document changed while it was being tokenized: run Show Token IDs again.') };
    }
    const modelIds = encoding.vocab && encoding.mapsIds ? modelIdsOf(encoding.vocab, table.ids) : undefined;
    this.clear();
    this.state = {
      editor,
      document,
      uri: document.uri.toString(),
      version,
      base: document.offsetAt(validated.start),
      text,
      source,
      encoding,
      table,
      labelIds: encoding.vocab && encoding.mapsIds && modelIds ? modelLabels(encoding.vocab, table.ids, modelIds) : table.ids,
      modelIds,
      offThread,
      window: { first: 0, last: 0, capped: false },
      lines: undefined,
      renderMs: 0,
      labels: labelMode(document),
      pending: undefined,
      refreshing: false,
    };
    this.hoverRegistration = vscode.languages.registerHoverProvider(
      { scheme: document.uri.scheme },
      { provideHover: (doc, position) => this.provideHover(doc, position) },
    );
    this.hintsRegistration = vscode.languages.registerInlayHintsProvider(
      { scheme: document.uri.scheme },
      { onDidChangeInlayHints: this.hintsChanged.event, provideInlayHints: (doc, range) => this.provideInlayHints(doc, range) },
    );
    this.render();
    this.updateContextKey();
    const warnings: string[] = [];
    if (encoding.fallback) warnings.push(encoding.fallback);
    if (NUL_OR_CONTROL.test(text)) {
      warnings.push(
        vscode.l10n.t('This text holds NUL or other control characters (is it a binary file?). They are tokenized like any other character and shown as ␀, ␁… in the hover.'),
      );
    }
    const shownEncoding: EncodingSetting = encoding.vocab ? 'model' : (encoding.name as EncodingSetting);
    return { ok: true, tokenCount: table.ids.length, encoding: shownEncoding, source, warnings };
  }

  /** What the overlay shown now was tokenized with (undefined: none shown). */
  get encoding(): ResolvedEncoding | undefined {
    return this.state?.encoding;
  }

  /** Whether an overlay is shown (in any editor). */
  get visible(): boolean {
    return this.state !== undefined;
  }

  /** Removes the overlay. Returns whether there was one. */
  clear(): boolean {
    const state = this.state;
    this.state = undefined;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    this.hoverRegistration?.dispose();
    this.hoverRegistration = undefined;
    this.hintsRegistration?.dispose();
    this.hintsRegistration = undefined;
    if (state) {
      for (const editor of vscode.window.visibleTextEditors) {
        if (editor.document.uri.toString() === state.uri || editor === state.editor) this.removeDecorations(editor);
      }
      this.removeDecorations(state.editor);
    }
    this.updateContextKey();
    return state !== undefined;
  }

  /** Re-tokenizes the overlaid text (after the encoding setting changed); nothing is shown meanwhile. */
  async refresh(): Promise<ShowResult | undefined> {
    const state = this.state;
    if (!state || state.document.isClosed) return undefined;
    const range = new vscode.Range(state.document.positionAt(state.base), state.document.positionAt(state.base + state.text.length));
    state.refreshing = true;
    this.hide(state);
    const result = await this.show(state.editor, range, state.source);
    if (!result.ok && this.state === state) this.clear(); // never the old encoding's tokens
    return result;
  }

  /** Lays the overlay out again (after the whitespace setting changed). */
  relayout(): void {
    if (!this.state) return;
    this.state.lines = undefined;
    this.state.labels = labelMode(this.state.document);
    this.render();
    this.hintsChanged.fire();
  }

  /** The overlay as data, for the tests and for anything that wants to read it. */
  current(options: { maxTokens?: number } = {}): OverlayInfo | undefined {
    const s = this.state;
    if (!s || !ready(s)) return undefined;
    const doc = s.document;
    const n = s.table.ids.length;
    const limit = Math.min(n, options.maxTokens ?? 10_000);
    const tokens: OverlayToken[] = [];
    for (let i = 0; i < limit; i++) {
      const start = s.table.starts[i];
      const end = s.table.ends[i];
      tokens.push({
        index: i,
        id: s.table.ids[i],
        modelId: s.modelIds?.[i],
        range: new vscode.Range(doc.positionAt(s.base + start), doc.positionAt(s.base + end)),
        label: tokenLabel(s.labelIds[i], isContinuation(s.table, i)),
        text: s.text.slice(start, end),
      });
    }
    const w = s.window;
    const decoratedRange =
      w.last > w.first
        ? new vscode.Range(doc.positionAt(s.base + s.table.starts[w.first]), doc.positionAt(s.base + s.table.ends[w.last - 1]))
        : undefined;
    return {
      editorUri: s.uri,
      encoding: s.encoding.vocab ? 'model' : (s.encoding.name as EncodingSetting),
      tokenizer: s.encoding.name,
      label: s.encoding.label,
      range: new vscode.Range(doc.positionAt(s.base), doc.positionAt(s.base + s.text.length)),
      source: s.source,
      tokenCount: n,
      tokens,
      decorated: {
        count: w.last - w.first,
        first: w.first,
        last: w.last,
        capped: w.capped,
        range: decoratedRange,
        renderMs: s.renderMs,
        labels: s.labels,
      },
      offThread: s.offThread,
    };
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const s = this.state;
    if (!s || !ready(s) || document.uri.toString() !== s.uri || document.version !== s.version) return undefined;
    const offset = document.offsetAt(position) - s.base;
    if (offset < 0 || offset > s.text.length) return undefined;
    const indices = tokensAt(s.table, s.text, offset);
    if (indices.length === 0) return undefined;
    // The tokens' bytes come from the text itself, so a hover never loads the encoding's tables on this thread.
    const encoded = new TextEncoder().encode(s.text);
    const tokens: HoverToken[] = indices.map((i) => {
      const bytes = tableTokenBytes(s.table, encoded, i);
      const modelId = s.modelIds?.[i];
      // A token the model has no one ID for: how it reads it (<unk>, or the token's bytes).
      const modelSpelling = modelId === 0 && s.encoding.vocab && s.encoding.mapsIds ? s.encoding.vocab.toModel([s.table.ids[i]]) : undefined;
      const hf = typeof s.encoding.tokenizer === 'string' ? undefined : s.encoding.tokenizer;
      const entry = hf?.tokenString(s.table.ids[i]);
      const vocabularyEntry = entry !== undefined ? { token: entry, file: HF_IMPORT_FILES.tokenizer } : undefined;
      return { index: i, id: s.table.ids[i], bytes, complete: utf8Text(bytes) !== undefined, modelId, modelSpelling, vocabularyEntry };
    });
    const character = characterAt(s.text, Math.min(offset, s.text.length - 1));
    const markdown = new vscode.MarkdownString(
      hoverMarkdown(tokens, s.table.ids.length, s.encoding.label, s.table.tokenizer, character && s.text.slice(character.start, character.end)),
    );
    const first = indices[0];
    const last = indices[indices.length - 1];
    const range = new vscode.Range(
      document.positionAt(s.base + s.table.starts[first]),
      document.positionAt(s.base + s.table.ends[last]),
    );
    return new vscode.Hover(markdown, range);
  }

  /** The IDs of the tokens in `range`, as inlay hints, when the overlay draws its labels so. */
  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const s = this.state;
    if (!s || !ready(s) || s.labels !== 'inlayHints' || document.uri.toString() !== s.uri || document.version !== s.version) return [];
    const lo = Math.max(0, document.offsetAt(range.start) - s.base);
    const hi = Math.min(s.text.length, document.offsetAt(range.end) - s.base);
    if (lo > hi) return [];
    const layout = layoutWindow(s.table, s.labelIds, s.text, tokenWindow(s.table, lo, hi, MAX_DECORATED_TOKENS));
    const hint = (offset: number, label: string) => {
      const h = new vscode.InlayHint(document.positionAt(s.base + offset), label);
      h.paddingLeft = true; // a gap before the ID, so that it never runs into digits of the text
      h.paddingRight = true;
      return h;
    };
    const labels = [
      ...layout.backgrounds.filter((b) => b.label !== undefined).map((b) => ({ at: b.end, label: b.label! })),
      ...layout.labels,
    ];
    return labels.sort((a, b) => a.at - b.at).map((l) => hint(l.at, l.label));
  }

  dispose(): void {
    this.clear();
    for (const d of this.disposables) d.dispose();
    for (const t of [...this.backgroundTypes, this.labelType, ...Object.values(this.whitespaceTypes)]) t.dispose();
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  private removeDecorations(editor: vscode.TextEditor): void {
    for (const t of [...this.backgroundTypes, this.labelType, ...Object.values(this.whitespaceTypes)]) editor.setDecorations(t, []);
  }

  /** Takes the overlay off the screen while its tokens are being remade. */
  private hide(s: OverlayState): void {
    this.removeDecorations(s.editor);
    s.window = { first: 0, last: 0, capped: false };
    s.lines = undefined;
    this.hintsChanged.fire();
  }

  private scheduleRender(): void {
    const s = this.state;
    if (!s || !ready(s)) return;
    // Scrolling inside the decorated lines needs nothing new; near their edge, lay out again.
    const visible = s.editor.visibleRanges;
    if (s.lines && visible.length > 0) {
      const from = visible[0].start.line;
      const to = visible[visible.length - 1].end.line;
      const slack = MARGIN_LINES / 2;
      const inside =
        (from - slack >= s.lines.from || s.lines.from <= s.document.positionAt(s.base).line) &&
        (to + slack <= s.lines.to || s.lines.to >= s.document.positionAt(s.base + s.text.length).line);
      if (inside) return;
    }
    if (this.renderTimer) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      this.render();
    }, 16);
  }

  /** Decorates the tokens around the visible ranges of the overlay's editor. */
  private render(): void {
    const s = this.state;
    if (!s || !ready(s)) return;
    // A hidden editor is gone for good (VS Code makes a new one when the document is shown again, and
    // onVisibleEditors follows it): nothing to draw on until then.
    if (!vscode.window.visibleTextEditors.includes(s.editor)) return;
    const started = performance.now();
    const doc = s.document;
    const firstLine = doc.positionAt(s.base).line;
    const lastLine = doc.positionAt(s.base + s.text.length).line;
    const visible = s.editor.visibleRanges.length > 0 ? s.editor.visibleRanges : [new vscode.Range(s.editor.selection.active, s.editor.selection.active)];
    const top = visible[0].start.line;
    const bottom = visible[visible.length - 1].end.line;
    const margin = Math.max(MARGIN_LINES, bottom - top);
    const from = Math.max(firstLine, top - margin);
    const to = Math.min(lastLine, bottom + margin);
    let window: TokenWindow = { first: 0, last: 0, capped: false };
    if (from <= to) {
      const lo = Math.max(0, doc.offsetAt(new vscode.Position(from, 0)) - s.base);
      const hi = Math.min(s.text.length, doc.offsetAt(doc.lineAt(to).range.end) - s.base);
      window = tokenWindow(s.table, lo, hi, MAX_DECORATED_TOKENS);
    }
    const layout = layoutWindow(s.table, s.labelIds, s.text, window, { whitespace: this.deps.config().showWhitespace });
    const at = (offset: number) => doc.positionAt(s.base + offset);
    const backgrounds: vscode.DecorationOptions[][] = this.backgroundTypes.map(() => []);
    const inline = s.labels === 'decorations'; // else provideInlayHints draws them
    for (const b of layout.backgrounds) {
      backgrounds[b.palette].push({
        range: new vscode.Range(at(b.start), at(b.end)),
        renderOptions: inline && b.label !== undefined ? { after: labelStyle(b.label) } : undefined,
      });
    }
    const labels: vscode.DecorationOptions[] = inline
      ? layout.labels.map((l) => {
          const p = at(l.at);
          return { range: new vscode.Range(p, p), renderOptions: { after: labelStyle(l.label) } };
        })
      : [];
    const marks: Record<'space' | 'tab' | 'newline', vscode.Range[]> = { space: [], tab: [], newline: [] };
    for (const m of layout.whitespace) {
      const p = at(m.at);
      marks[m.kind].push(m.kind === 'newline' ? new vscode.Range(p, p) : new vscode.Range(p, at(m.at + 1)));
    }
    const editor = s.editor;
    this.backgroundTypes.forEach((t, i) => editor.setDecorations(t, backgrounds[i]));
    editor.setDecorations(this.labelType, labels);
    for (const kind of ['space', 'tab', 'newline'] as const) editor.setDecorations(this.whitespaceTypes[kind], marks[kind]);
    s.window = window;
    s.lines = { from, to };
    s.renderMs = performance.now() - started;
  }

  // ---- following the editor ------------------------------------------------------------------------------

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const s = this.state;
    if (!s || e.document.uri.toString() !== s.uri || e.contentChanges.length === 0) return;
    const start = s.base;
    const end = s.base + s.text.length;
    const whole = s.source === 'document';
    let shift = 0;
    let growth = 0;
    let change: TextChange | undefined;
    // One event's changes do not overlap and are given in the coordinates of the document before the event:
    // taken from the last to the first, each one's offsets still hold in the text the ones after it left.
    for (const c of [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
      const changeStart = c.rangeOffset;
      const changeEnd = c.rangeOffset + c.rangeLength;
      const grows = c.text.length - c.rangeLength;
      if (!whole && changeStart >= end) continue; // after a selection's overlay (or typed right after it)
      if (!whole && changeEnd <= start) {
        shift += grows; // before it (or typed right before it): it moves
        continue;
      }
      if (!whole && (changeStart < start || changeEnd > end)) {
        this.clear(); // across its edge: what it covers is no longer clear
        return;
      }
      const offset = changeStart - start;
      change = composeChanges(change, { start: offset, oldEnd: offset + c.rangeLength, newEnd: offset + c.text.length });
      growth += grows;
    }
    s.base += shift;
    s.version = e.document.version;
    if (!change) {
      if (shift !== 0) {
        s.lines = undefined;
        this.render();
        this.hintsChanged.fire();
      }
      return;
    }
    const document = e.document;
    s.text = whole ? document.getText() : document.getText(new vscode.Range(document.positionAt(s.base), document.positionAt(s.base + s.text.length + growth)));
    if (s.text.length === 0) {
      this.clear(); // all of it deleted
      return;
    }
    s.pending = composeChanges(s.pending, change);
    this.retokenize(s);
  }

  /** Brings the overlay's tokens up to date with its text after an edit, then redraws it. */
  private retokenize(s: OverlayState): void {
    const generation = ++this.editGeneration;
    const { text, table, pending: change } = s;
    const tokenizer = s.encoding.tokenizer;
    const tokenize = (part: string) => this.deps.service.tokenize(part, tokenizer, { key: 'tokenOverlay' });
    const current = () => this.state === s && generation === this.editGeneration;
    // A few lines are enough only for a tokenizer that starts afresh at line starts (tokenSplice.ts): the
    // GPT encodings, and an imported tokenizer.json that cuts as GPT-2's does; any other, the whole text.
    const splices = typeof tokenizer === 'string' || tokenizer.cutsAtLineStarts;
    const run = (async () => {
      const spliced = splices ? await spliceTable(table, text, change!, tokenize, MAX_SPLICE_WINDOW) : undefined;
      let next: { table: TokenTable; modelIds?: Uint32Array };
      if (spliced) {
        const inserted = spliced.table.ids.subarray(spliced.first, spliced.first + spliced.inserted);
        next = {
          table: spliced.table,
          modelIds:
            s.modelIds && s.encoding.vocab && s.encoding.mapsIds
              ? spliceValues(s.modelIds, spliced.first, spliced.removed, modelIdsOf(s.encoding.vocab, inserted))
              : undefined,
        };
      } else {
        if (!current()) return;
        // the whole text, and nothing stale on screen meanwhile when that takes a while (always, when the
        // window was too big; an edit under a tokenizer that never splices, only off the thread)
        const offThread = this.deps.service.usesWorker(text.length);
        if (splices || offThread) this.hide(s);
        const full = offThread
          ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Tokenizing {0} KB…', Math.round(text.length / 1024)) }, () => tokenize(text))
          : await tokenize(text);
        next = { table: full, modelIds: s.encoding.vocab && s.encoding.mapsIds ? modelIdsOf(s.encoding.vocab, full.ids) : undefined };
      }
      if (!current()) return; // a newer edit re-tokenizes from the same table
      s.table = next.table;
      s.modelIds = next.modelIds;
      s.labelIds = s.encoding.vocab && s.encoding.mapsIds && next.modelIds ? modelLabels(s.encoding.vocab, next.table.ids, next.modelIds) : next.table.ids;
      s.pending = undefined;
      s.lines = undefined;
      this.render();
      this.hintsChanged.fire();
    })().catch((error: unknown) => {
      if (isSuperseded(error) || !current()) return;
      this.clear();
      this.deps.log?.(`Re-tokenizing after an edit failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.pending = run;
  }

  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    const s = this.state;
    if (!s) return;
    if (editors.includes(s.editor)) return;
    // The editor was closed or its tab hidden; when the document comes back in another editor, follow it.
    const again = editors.find((e) => e.document.uri.toString() === s.uri);
    if (again) {
      s.editor = again;
      s.lines = undefined;
      this.render();
    }
    this.updateContextKey();
  }

  private updateContextKey(): void {
    const s = this.state;
    const active = vscode.window.activeTextEditor;
    const visible = !!s && !!active && active.document.uri.toString() === s.uri;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEY, visible);
  }
}
