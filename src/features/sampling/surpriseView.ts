// "LM Explorer: Show Token Surprise": every token of a selection (or of the document) gets a background by
// the rank the model gave it in context (GLTR's buckets: its first guess, top 10, top 100, beyond; the
// thresholds are a setting), a hover with its probability, rank, surprisal, the entropy there and the
// model's top 5, and the passage's totals in the status bar and in the first token's hover.
//
// All the numbers come from the engine worker (request 'score'): only the lines on screen are scored in
// detail, each in the context of everything before it (windows of the context length, see
// src/engine/sampling/score.ts); scrolling scores the newly visible lines. The totals are computed once
// per document version. "…on the Validation Part" splits a note as training does (its last tenth is held
// out) and gives the totals of both parts, so text the model trained on and text it never saw compare.

import * as vscode from 'vscode';
import type { ScoreTotals } from '../../engine/sampling/index';
import type { Notifier } from '../../host/notifier';
import type { EngineClient } from '../../worker/engine/client';
import { EngineError } from '../../worker/engine/protocol';
import type { ScoredToken } from '../../worker/engine/samplingProtocol';
import { modelKey } from './core/modelKey';
import { bucketCounts, cleanThresholds, detailRange, surpriseSpans, type SurpriseSpan } from './core/surprise';

const TRAIN_COMMAND = 'lmExplorer.train';
const HIDE_COMMAND = 'lmExplorer.hideTokenSurprise';
const VISIBLE_CONTEXT_KEY = 'lmExplorer.surpriseVisible';
/** Colours of the buckets (package.json contributes them, theme-aware). */
const BUCKET_COLOURS = ['lmExplorer.surpriseRank1Background', 'lmExplorer.surpriseRank2Background', 'lmExplorer.surpriseRank3Background', 'lmExplorer.surpriseRank4Background'];
/** Scrolling settles for this long before the new lines are scored. */
const SCROLL_DEBOUNCE_MS = 120;

export interface SurpriseDeps {
  engine: EngineClient;
  notify: Notifier;
  log: vscode.LogOutputChannel;
  thresholds(): number[];
}

export interface SurprisePart {
  /** 'passage': the selection or document; 'training' / 'validation': the two parts of a note. */
  kind: 'passage' | 'training' | 'validation';
  start: number;
  end: number;
  totals: ScoreTotals;
}

export type SurpriseResult =
  | { ok: true; uri: string; spans: number; parts: SurprisePart[]; status: string }
  | { ok: false; reason: 'no-editor' | 'no-model' | 'empty' | 'error' | 'cancelled'; message: string };

interface Shown {
  uri: string;
  version: number;
  /** The scored part of the document (UTF-16 offsets). */
  start: number;
  end: number;
  parts: SurprisePart[];
  /** Scored tokens by their start offset (the visible lines seen so far). */
  tokens: Map<string, ScoredToken>;
  /** Ranges already scored in detail. */
  covered: { start: number; end: number }[];
  spans: SurpriseSpan[];
  contextLength: number;
  stride: number;
  /** The model that scored it (modelKey). */
  model: string | undefined;
}

export class SurpriseView implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private shown: Shown | undefined;
  private scrollTimer: NodeJS.Timeout | undefined;
  private running: vscode.CancellationTokenSource | undefined;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SurpriseDeps) {
    this.types = BUCKET_COLOURS.map((colour) => vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor(colour), borderRadius: '2px' }));
    this.status = vscode.window.createStatusBarItem('lmExplorer.surprise', vscode.StatusBarAlignment.Right, 90);
    this.status.name = vscode.l10n.t('LM Explorer: Token Surprise');
    this.status.command = HIDE_COMMAND;
    this.disposables.push(
      ...this.types,
      this.status,
      vscode.languages.registerHoverProvider({ scheme: '*' }, { provideHover: (document, position) => this.hover(document, position) }),
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => this.onScroll(event.textEditor)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.redraw()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (this.shown && event.document.uri.toString() === this.shown.uri && event.contentChanges.length > 0) {
          // the numbers were of the old text: the user runs the command again on the new one
          this.hide();
        }
      }),
      deps.engine.onDidChangeModel((model) => {
        if (this.shown && modelKey(model) !== this.shown.model) this.hide();
      }),
    );
  }

  get isShown(): boolean {
    return this.shown !== undefined;
  }

  /** The decorated spans (what the editor shows), in text order. */
  spans(): readonly SurpriseSpan[] {
    return this.shown?.spans ?? [];
  }

  parts(): readonly SurprisePart[] {
    return this.shown?.parts ?? [];
  }

  statusText(): string | undefined {
    return this.shown ? this.status.text : undefined;
  }

  /** Show Token Surprise on the selection of `editor` (none: the whole document); `validation`: a note's two parts. */
  async show(editor: vscode.TextEditor | undefined, options: { validation?: boolean } = {}): Promise<SurpriseResult> {
    if (!editor) {
      const message = vscode.l10n.t('Open a text file first: Show Token Surprise colours its tokens by how much the model expected them.');
      this.deps.notify.info(message);
      return { ok: false, reason: 'no-editor', message };
    }
    const document = editor.document;
    const selection = editor.selection;
    const whole = options.validation || selection.isEmpty;
    const start = whole ? 0 : document.offsetAt(selection.start);
    const end = whole ? document.getText().length : document.offsetAt(selection.end);
    if (end <= start || document.getText().trim() === '') {
      const message = vscode.l10n.t('There is no text to score here: open a note or select some text.');
      this.deps.notify.info(message);
      return { ok: false, reason: 'empty', message };
    }
    this.running?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    try {
      const model = await this.deps.engine.ensureModel();
      if (!model) return this.noModel();
      const text = document.getText().slice(0, end);
      let partRanges: { kind: SurprisePart['kind']; start: number; end: number }[] = [{ kind: 'passage', start, end }];
      if (options.validation) {
        const split = await this.deps.engine.request('validationSplit', { text }, { token: cts.token });
        partRanges = [
          { kind: 'training', start: 0, end: split.start },
          { kind: 'validation', start: split.start, end },
        ].filter((p) => p.end > p.start) as typeof partRanges;
      }
      const detail = detailRange(visibleOffsets(editor), start, end) ?? { start, end: Math.min(end, start + 2000) };
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Scoring the tokens…') },
        () => this.deps.engine.request('score', { text, detail, totals: partRanges.map(({ start: s, end: e }) => ({ start: s, end: e })) }, { token: cts.token }),
      );
      if (cts.token.isCancellationRequested) return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      const parts = partRanges.map((p, i) => ({ ...p, totals: result.totals![i] }));
      this.shown = {
        uri: document.uri.toString(),
        version: document.version,
        start,
        end,
        parts,
        tokens: new Map(),
        covered: [detail],
        spans: [],
        contextLength: result.contextLength,
        stride: result.stride,
        model: modelKey(this.deps.engine.currentModel ?? model),
      };
      this.addTokens(result.tokens);
      this.redraw();
      void vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT_KEY, true);
      return { ok: true, uri: this.shown.uri, spans: this.shown.spans.length, parts, status: this.status.text };
    } catch (error) {
      if (error instanceof EngineError && error.code === 'cancelled') return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      if (error instanceof EngineError && error.code === 'no-model') return this.noModel();
      const message = vscode.l10n.t('Could not score the text: {0}', error instanceof Error ? error.message : String(error));
      this.deps.log.error(message);
      this.deps.notify.error(message);
      return { ok: false, reason: 'error', message };
    } finally {
      if (this.running === cts) this.running = undefined;
      cts.dispose();
    }
  }

  /** Scores what has come into view (the API awaits it; scrolling calls it after a pause). */
  async scoreVisible(editor: vscode.TextEditor): Promise<void> {
    const s = this.shown;
    if (!s || editor.document.uri.toString() !== s.uri || editor.document.version !== s.version) return;
    const wanted = detailRange(visibleOffsets(editor), s.start, s.end);
    if (!wanted || s.covered.some((c) => c.start <= wanted.start && c.end >= wanted.end)) return;
    const work = this.pending.then(async () => {
      try {
        const text = editor.document.getText().slice(0, s.end);
        const result = await this.deps.engine.request('score', { text, detail: wanted });
        if (this.shown !== s) return;
        s.covered.push(wanted);
        this.addTokens(result.tokens);
        this.redraw();
      } catch (error) {
        this.deps.log.warn(`Token surprise of the visible lines failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    this.pending = work;
    await work;
  }

  hide(): void {
    this.running?.cancel();
    this.shown = undefined;
    for (const editor of vscode.window.visibleTextEditors) for (const t of this.types) editor.setDecorations(t, []);
    this.status.hide();
    void vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT_KEY, false);
  }

  /** The hover text at a position of the shown document (undefined elsewhere). */
  hoverMarkdown(document: vscode.TextDocument, position: vscode.Position): string | undefined {
    const s = this.shown;
    if (!s || document.uri.toString() !== s.uri) return undefined;
    const offset = document.offsetAt(position);
    const index = s.spans.findIndex((span) => span.start <= offset && offset < span.end);
    if (index < 0) return undefined;
    const span = s.spans[index];
    const lines: string[] = [];
    for (const t of span.tokens) {
      lines.push(
        `**${escapeMarkdown(t.label)}** — ${vscode.l10n.t('probability {0}, rank {1}, surprisal {2} bits, entropy {3} bits', formatProbability(t.prob), t.rank.toLocaleString(), t.surprisalBits.toFixed(2), t.entropyBits.toFixed(2))}`,
        '',
        `${vscode.l10n.t("The model's top 5 here:")} ${t.top.map((g) => `\`${escapeCode(g.label)}\` ${formatProbability(g.prob)}`).join(' · ')}`,
        '',
      );
    }
    if (index === 0) lines.push('---', '', ...this.summaryLines(s));
    return lines.join('\n');
  }

  dispose(): void {
    this.hide();
    if (this.scrollTimer) clearTimeout(this.scrollTimer);
    this.disposables.forEach((d) => d.dispose());
  }

  // ----------------------------------------------------------------------------------------------

  private addTokens(tokens: readonly ScoredToken[]): void {
    const s = this.shown!;
    // keyed by range and place: the byte tokens of one character share a range (a token finishing it is empty)
    let k = 0;
    tokens.forEach((t, i) => {
      const prev = tokens[i - 1];
      k = prev && prev.start === t.start && prev.end === t.end ? k + 1 : 0;
      s.tokens.set(`${t.start}:${t.end}:${k}`, t);
    });
    const ordered = [...s.tokens.values()].sort((a, b) => a.start - b.start || a.end - b.end);
    s.spans = surpriseSpans(ordered, this.deps.thresholds());
  }

  private redraw(): void {
    const s = this.shown;
    if (!s) return;
    const thresholds = cleanThresholds(this.deps.thresholds());
    const buckets = thresholds.length + 1;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== s.uri) continue;
      const ranges: vscode.Range[][] = this.types.map(() => []);
      for (const span of s.spans) {
        if (span.end <= span.start) continue;
        ranges[colourOf(span.bucket, buckets, this.types.length)].push(new vscode.Range(editor.document.positionAt(span.start), editor.document.positionAt(span.end)));
      }
      this.types.forEach((t, i) => editor.setDecorations(t, ranges[i]));
    }
    const counts = bucketCounts(s.spans, buckets);
    const [first, second] = s.parts.map((p) => p.totals);
    this.status.text = second
      ? `$(eye) ${vscode.l10n.t('trained on {0} · held out {1} nats/token', first.meanLossNats.toFixed(2), second.meanLossNats.toFixed(2))}`
      : `$(eye) ${vscode.l10n.t('{0} nats/token · perplexity {1} · {2} bits/byte', first.meanLossNats.toFixed(2), first.perplexity.toFixed(1), first.bitsPerByte.toFixed(2))}`;
    const tooltip = new vscode.MarkdownString([...this.summaryLines(s), '', bucketLegend(thresholds, counts), '', vscode.l10n.t('Click to hide.')].join('\n'));
    this.status.tooltip = tooltip;
    this.status.show();
  }

  private summaryLines(s: Shown): string[] {
    const names: Record<SurprisePart['kind'], string> = {
      passage: vscode.l10n.t('This passage'),
      training: vscode.l10n.t('Training part (the model learned from it)'),
      validation: vscode.l10n.t('Validation part (held out: the model never trained on it)'),
    };
    const lines = s.parts.map(
      (p) =>
        `**${names[p.kind]}**: ${vscode.l10n.t('{0} tokens, mean cross-entropy {1} nats/token, perplexity {2}, {3} bits per byte', p.totals.tokens.toLocaleString(), p.totals.meanLossNats.toFixed(3), p.totals.perplexity.toFixed(2), p.totals.bitsPerByte.toFixed(3))}`,
    );
    lines.push('', vscode.l10n.t('Each token is scored after the text before it, in windows of {0} tokens (the context) that start every {1} tokens.', String(s.contextLength), String(s.stride)));
    return lines;
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const text = this.hoverMarkdown(document, position);
    if (!text) return undefined;
    const offset = document.offsetAt(position);
    const span = this.shown!.spans.find((x) => x.start <= offset && offset < x.end)!;
    return new vscode.Hover(new vscode.MarkdownString(text), new vscode.Range(document.positionAt(span.start), document.positionAt(span.end)));
  }

  private onScroll(editor: vscode.TextEditor): void {
    if (!this.shown || editor.document.uri.toString() !== this.shown.uri) return;
    if (this.scrollTimer) clearTimeout(this.scrollTimer);
    this.scrollTimer = setTimeout(() => void this.scoreVisible(editor), SCROLL_DEBOUNCE_MS);
  }

  private noModel(): SurpriseResult {
    const message = vscode.l10n.t('There is no model yet: train one on your notes first, then Show Token Surprise colours each token by how much the model expected it.');
    void this.deps.notify.info(message, vscode.l10n.t('Train Model')).then((pick) => {
      if (pick) void vscode.commands.executeCommand(TRAIN_COMMAND);
    });
    return { ok: false, reason: 'no-model', message };
  }
}

/** The editor's visible lines as offsets. */
function visibleOffsets(editor: vscode.TextEditor): { start: number; end: number }[] {
  const document = editor.document;
  return editor.visibleRanges.map((r) => ({ start: document.offsetAt(new vscode.Position(r.start.line, 0)), end: document.offsetAt(document.lineAt(r.end.line).rangeIncludingLineBreak.end) }));
}

/** The colour of a bucket when there are more (or fewer) buckets than colours: spread over them, the last bucket the last colour. */
function colourOf(bucket: number, buckets: number, colours: number): number {
  if (buckets <= colours) return bucket === buckets - 1 ? colours - 1 : bucket;
  return Math.round((bucket * (colours - 1)) / (buckets - 1));
}

function bucketLegend(thresholds: readonly number[], counts: readonly number[]): string {
  const names = thresholds.map((t) => (t === 1 ? vscode.l10n.t("the model's first guess") : vscode.l10n.t('within its top {0}', String(t))));
  names.push(vscode.l10n.t('beyond its top {0}', String(thresholds[thresholds.length - 1])));
  return names.map((n, i) => `${n}: ${counts[i].toLocaleString()}`).join(' · ');
}

function formatProbability(p: number): string {
  return p >= 0.001 ? `${(p * 100).toFixed(1)}%` : p.toExponential(1);
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

function escapeCode(text: string): string {
  return text.replace(/`/g, 'ˋ');
}
