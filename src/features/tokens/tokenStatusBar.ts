// The status bar item "N tokens · M words · C chars": counts of the selection (the whole document when
// nothing is selected) in the current encoding. Clicking it switches the encoding. Updates are debounced;
// large texts are counted in the worker, and only the latest request is answered.

import { formatNumber, plural } from '../../l10n/format';
import * as vscode from 'vscode';
import type { TokensConfig } from '../../config';
import { formatCounts, type TextStats } from './core/tokenTable';
import { isSuperseded, type TokenizeService } from '../../worker/tokens/client';
import { resolveEncoding, type ModelVocabulary } from './core/encodingSetting';
import type { EncodingSetting } from '../../config/settings';
import { encodingDescription, type TokenizerName } from '../../engine/tokenizer';

export const SWITCH_ENCODING_COMMAND = 'lmExplorer.switchEncoding';
const DEBOUNCE_MS = 150;
const DEBOUNCE_LARGE_MS = 400;

export interface StatusCounts extends TextStats {
  /** The encoding the tokens were counted with ('model' for the trained model's vocabulary). */
  encoding: EncodingSetting;
  source: 'selection' | 'document';
  documentUri: string;
}

export interface StatusBarDeps {
  service: TokenizeService;
  config: () => TokensConfig;
  model: ModelVocabulary;
  log?: (message: string) => void;
}

/** Editors whose text is not something to count (the Output panel and the like). */
const SKIPPED_SCHEMES = new Set(['output', 'debug', 'vscode-terminal']);

export class TokenStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastKey: string | undefined;
  private lastCounts: StatusCounts | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StatusBarDeps) {
    this.item = vscode.window.createStatusBarItem('lmExplorer.tokenCounts', vscode.StatusBarAlignment.Right, 100);
    this.item.name = vscode.l10n.t('LM Explorer: Token Counts');
    this.item.command = { command: SWITCH_ENCODING_COMMAND, title: vscode.l10n.t('Switch Token Encoding') };
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) this.schedule();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document && e.contentChanges.length > 0) this.schedule();
      }),
    );
    this.schedule(0);
  }

  /** The text shown, or undefined while the item is hidden. */
  text(): string | undefined {
    return this.visible ? this.item.text : undefined;
  }

  /** The counts behind the text. */
  counts(): StatusCounts | undefined {
    return this.visible ? this.lastCounts : undefined;
  }

  /** Counts now (no debounce) and resolves with the text once shown. */
  async refresh(): Promise<string | undefined> {
    this.lastKey = undefined;
    this.schedule(0);
    await this.settled();
    return this.text();
  }

  /** Call when the settings change. */
  onConfigChanged(): void {
    this.lastKey = undefined;
    this.schedule(0);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  private visible = false;
  private scheduled: Promise<void> | undefined;
  private resolveScheduled: (() => void) | undefined;

  private schedule(delay?: number): void {
    const editor = vscode.window.activeTextEditor;
    const large = !!editor && this.deps.service.usesWorker(documentLength(editor.document));
    if (this.timer) clearTimeout(this.timer);
    if (!this.scheduled) this.scheduled = new Promise((resolve) => (this.resolveScheduled = resolve));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const done = this.resolveScheduled;
      this.scheduled = undefined;
      this.resolveScheduled = undefined;
      this.running = this.update().finally(() => done?.());
    }, delay ?? (large ? DEBOUNCE_LARGE_MS : DEBOUNCE_MS));
  }

  private async settled(): Promise<void> {
    for (;;) {
      if (this.scheduled) await this.scheduled;
      await this.running;
      if (!this.scheduled && !this.timer) return;
    }
  }

  private hide(): void {
    this.visible = false;
    this.lastCounts = undefined;
    this.item.hide();
  }

  private async update(): Promise<void> {
    const config = this.deps.config();
    const editor = vscode.window.activeTextEditor;
    if (!config.statusBar || !editor || SKIPPED_SCHEMES.has(editor.document.uri.scheme)) {
      this.lastKey = undefined;
      this.hide();
      return;
    }
    const document = editor.document;
    const selections = editor.selections.filter((s) => !s.isEmpty);
    const source: 'selection' | 'document' = selections.length > 0 ? 'selection' : 'document';
    const key = `${document.uri.toString()}@${document.version}|${config.encoding}|${selections.map((s) => `${document.offsetAt(s.start)}-${document.offsetAt(s.end)}`).join(',')}`;
    if (key === this.lastKey && this.visible) return;
    const texts = source === 'selection' ? selections.map((s) => document.getText(s)) : [document.getText()];
    const encoding = await resolveEncoding(config.encoding, this.deps.model);
    const total = texts.reduce((n, t) => n + t.length, 0);
    if (this.deps.service.usesWorker(total) && this.lastCounts?.documentUri !== document.uri.toString()) {
      this.item.text = `$(loading~spin) ${vscode.l10n.t('counting tokens…')}`;
      this.item.show();
      this.visible = true;
    }
    let stats: TextStats;
    try {
      const parts = await Promise.all(
        texts.map((text, i) => this.deps.service.stats(text, encoding.tokenizer, { key: `statusBar:${i}` })),
      );
      stats = parts.reduce((a, b) => ({ tokens: a.tokens + b.tokens, words: a.words + b.words, chars: a.chars + b.chars }), {
        tokens: 0,
        words: 0,
        chars: 0,
      });
    } catch (error) {
      if (isSuperseded(error)) return; // a newer update is on its way
      this.deps.log?.(`Counting tokens failed: ${error instanceof Error ? error.message : String(error)}`);
      this.hide();
      return;
    }
    if (editor !== vscode.window.activeTextEditor || document.isClosed) return; // the next update will redo it
    this.lastKey = key;
    this.lastCounts = { ...stats, encoding: encoding.vocab ? 'model' : (encoding.name as EncodingSetting), source, documentUri: document.uri.toString() };
    this.item.text = formatCounts(stats);
    const description = encoding.vocab?.hf
      ? vscode.l10n.t("your imported model's own tokenizer, the IDs its attention and next-token views show")
      : encoding.vocab
        ? vscode.l10n.t("your trained model's vocabulary")
        : encodingDescription(encoding.name as TokenizerName);
    const what =
      source === 'selection'
        ? selections.length > 1
          ? plural(selections.length, vscode.l10n.t('{0} selection|{0} selections', formatNumber(selections.length)))
          : vscode.l10n.t('the selection')
        : vscode.l10n.t('the whole document');
    const tooltip = new vscode.MarkdownString(
      `**LM Explorer** — ${what}\n\n` +
        vscode.l10n.t('Tokens counted with **{0}** ({1}).', encoding.label, description) +
        (encoding.fallback ? `\n\n*${vscode.l10n.t('No trained model yet: counted with {0}.', encoding.name)}*` : '') +
        `\n\n${vscode.l10n.t('Words are runs of letters and digits; chars are Unicode characters.')}\n\n*${vscode.l10n.t('Click to switch the encoding.')}*`,
    );
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = {
      label: vscode.l10n.t('{0}, {1}, {2}, counted with {3}', {
        0: plural(stats.tokens, vscode.l10n.t('{0} token|{0} tokens', formatNumber(stats.tokens))),
        1: plural(stats.words, vscode.l10n.t('{0} word|{0} words', formatNumber(stats.words))),
        2: plural(stats.chars, vscode.l10n.t('{0} character|{0} characters', formatNumber(stats.chars))),
        3: encoding.label,
      }),
    };
    this.item.show();
    this.visible = true;
  }
}

/** The document's length in UTF-16 units, without building its text. */
function documentLength(document: vscode.TextDocument): number {
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}
