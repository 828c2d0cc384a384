// The token commands: Show Token IDs, Clear Token IDs, Toggle Whitespace, Switch Encoding, Check Context
// Fit. Each takes the tokens feature's context and returns its handler (index.ts builds the table).

import { formatNumber, plural } from '../../l10n/format';
import * as vscode from 'vscode';
import { encodingDescription, type TokenizerName } from '../../engine/tokenizer';
import { targetEditor } from '../../host/editorTarget';
import type { CommandHandler } from '../../host/commands';
import type { Notifier } from '../../host/notifier';
import { ENCODING_SETTINGS, writeSetting, type TokensConfig } from '../../config';
import {
  contextFit,
  encodingName,
  encodingsNeeded,
  fitDescription,
  fitDetail,
  fitLabel,
  formatTokens,
  MODEL_WINDOWS,
  type FitRow,
} from './core/contextFit';
import type { ShowResult } from './overlayInfo';
import type { TokenOverlay } from './tokenIds';
import type { TokenStatusBar } from './tokenStatusBar';
import { resolveEncoding, type ModelVocabulary } from './core/encodingSetting';
import type { EncodingSetting } from '../../config/settings';
import type { TokenizeService } from '../../worker/tokens/client';
import type { VocabularyTokenizer } from '../../engine/vocab';

export interface ContextFitResult {
  ok: true;
  source: 'selection' | 'document';
  documentUri: string;
  /** The selected encoding (the status bar's): the headline count, and the estimates for other vendors ('hf': an imported model's tokenizer.json). */
  encoding: VocabularyTokenizer;
  /** How the selected encoding is named ("r50k_base", "model (o200k_base, 812 tokens)"). */
  encodingLabel: string;
  /** Token counts per encoding. */
  counts: Partial<Record<VocabularyTokenizer, number>>;
  rows: FitRow[];
  /** When the list of models was last checked. */
  asOf: string;
}

/** Everything a token command may use. */
export interface TokensContext {
  config: () => TokensConfig;
  service: TokenizeService;
  model: ModelVocabulary;
  overlay: TokenOverlay;
  statusBar: TokenStatusBar;
  notify: Notifier;
  /** The latest context fit, for the API. */
  lastContextFit?: ContextFitResult;
}

export type Failure = { ok: false; message: string };
type Cmd = CommandHandler;

function noEditor(ctx: TokensContext): Failure {
  const message = vscode.l10n.t('Open a text file (or a new untitled one) first: LM Explorer works on the text of the active editor.');
  ctx.notify.info(message);
  return { ok: false, message };
}

/** lmExplorer.showTokenIds: the overlay on the selection, or on the whole document. */
export function showTokenIds(ctx: TokensContext): Cmd {
  return async (target?: unknown): Promise<ShowResult> => {
    const editor = targetEditor(target);
    if (!editor) return noEditor(ctx);
    let result: ShowResult;
    try {
      result = await ctx.overlay.show(editor);
    } catch (error) {
      const message = vscode.l10n.t('Could not tokenize this text: {0}', error instanceof Error ? error.message : String(error));
      ctx.notify.error(message);
      return { ok: false, message };
    }
    if (!result.ok) ctx.notify.info(result.message);
    else for (const warning of result.warnings) ctx.notify.warn(warning);
    return result;
  };
}

/** lmExplorer.clearTokenIds: removes the overlay (also bound to Escape while it is shown). */
export function clearTokenIds(ctx: TokensContext): Cmd {
  return (): { ok: true; cleared: boolean } => ({ ok: true, cleared: ctx.overlay.clear() });
}

/** lmExplorer.toggleTokenWhitespace: flips lmExplorer.tokens.showWhitespace. */
export function toggleTokenWhitespace(ctx: TokensContext): Cmd {
  return async (): Promise<{ ok: true; showWhitespace: boolean }> => {
    const value = !ctx.config().showWhitespace;
    await writeSetting('tokens.showWhitespace', value);
    return { ok: true, showWhitespace: value };
  };
}

/**
 * lmExplorer.switchEncoding: a quick pick of the encodings (with what uses each); writes
 * lmExplorer.tokens.encoding. With an argument, sets that encoding without asking.
 */
export function switchEncoding(ctx: TokensContext): Cmd {
  return async (encoding?: unknown): Promise<{ ok: true; encoding: EncodingSetting } | Failure> => {
    let chosen: EncodingSetting | undefined;
    if (encoding !== undefined) {
      if (typeof encoding !== 'string' || !(ENCODING_SETTINGS as readonly string[]).includes(encoding)) {
        const message = vscode.l10n.t('Unknown encoding {0}. Known: {1}.', JSON.stringify(encoding), ENCODING_SETTINGS.join(', '));
        ctx.notify.error(message);
        return { ok: false, message };
      }
      chosen = encoding as EncodingSetting;
    } else {
      const current = ctx.config().encoding;
      let modelDetail: string;
      try {
        const vocab = await ctx.model.load();
        modelDetail = !vocab
          ? vscode.l10n.t('No trained model yet: falls back to o200k_base')
          : vocab.hf
            ? plural(vocab.size, vscode.l10n.t('Your imported model: {0} token, cut with its own {1}|Your imported model: {0} tokens, cut with its own {1}', formatNumber(vocab.size), encodingName(vocab.tokenizer)))
            : plural(vocab.size, vscode.l10n.t('Your trained model: {0} token, cut with {1}|Your trained model: {0} tokens, cut with {1}', formatNumber(vocab.size), vocab.tokenizer));
      } catch (error) {
        modelDetail = vscode.l10n.t("The model's vocabulary cannot be read: {0}", error instanceof Error ? error.message : String(error));
      }
      type Item = vscode.QuickPickItem & { value: EncodingSetting };
      const items: Item[] = ENCODING_SETTINGS.map((value) => ({
        value,
        label: value === current ? `$(check) ${value}` : value,
        description: value === 'model' ? vscode.l10n.t("the trained model's own vocabulary") : encodingDescription(value),
        detail: value === 'model' ? modelDetail : undefined,
      }));
      const pick = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Token encoding for Show Token IDs, the status bar counts and Context Fit'),
        placeHolder: vscode.l10n.t('Now: {0}', current),
        matchOnDescription: true,
      });
      if (!pick) return { ok: false, message: 'cancelled' };
      chosen = pick.value;
    }
    await writeSetting('tokens.encoding', chosen);
    return { ok: true, encoding: chosen };
  };
}

/**
 * lmExplorer.checkContextFit: the document's (or selection's) token count against the context windows of
 * well-known models, as a quick pick. The quick pick is shown and the result returned without waiting for it.
 */
export function checkContextFit(ctx: TokensContext): Cmd {
  return async (target?: unknown): Promise<ContextFitResult | Failure> => {
    const editor = targetEditor(target);
    if (!editor) return noEditor(ctx);
    const document = editor.document;
    const selections = editor.selections.filter((s) => !s.isEmpty);
    const source: 'selection' | 'document' = selections.length > 0 ? 'selection' : 'document';
    const text = source === 'selection' ? selections.map((s) => document.getText(s)).join('\n') : document.getText();
    if (text.length === 0) {
      const message = vscode.l10n.t('Nothing to check: the document is empty.');
      ctx.notify.info(message);
      return { ok: false, message };
    }
    const selected = await resolveEncoding(ctx.config().encoding, ctx.model);
    const encodings = encodingsNeeded(selected.name);
    // every name but the selected one's is a GPT encoding (the models' own)
    const tokenizerOf = (name: VocabularyTokenizer) => (name === selected.name ? selected.tokenizer : (name as TokenizerName));
    const run = async () => {
      const values = await Promise.all(encodings.map((e) => ctx.service.count(text, tokenizerOf(e))));
      return Object.fromEntries(encodings.map((e, i) => [e, values[i]])) as Partial<Record<VocabularyTokenizer, number>>;
    };
    const counts = ctx.service.usesWorker(text.length)
      ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Counting tokens…') }, run)
      : await run();
    const rows = contextFit(counts, selected.name);
    const result: ContextFitResult = {
      ok: true,
      source,
      documentUri: document.uri.toString(),
      encoding: selected.name,
      encodingLabel: selected.label,
      counts,
      rows,
      asOf: MODEL_WINDOWS.asOf,
    };
    ctx.lastContextFit = result;
    showContextFit(result);
    return result;
  };
}

function showContextFit(result: ContextFitResult): void {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  const count = result.counts[result.encoding] ?? 0;
  const fitting = result.rows.filter((r) => r.fits).length;
  const tokens = plural(count, vscode.l10n.t('{0} token|{0} tokens', formatTokens(count)));
  quickPick.title = vscode.l10n.t('{0}: {1} ({2}) · fits {3} of {4} models · list of {5}', {
    0: result.source === 'selection' ? vscode.l10n.t('Context fit of the selection') : vscode.l10n.t('Context fit of the document'),
    1: tokens,
    2: result.encodingLabel,
    3: formatTokens(fitting),
    4: formatTokens(result.rows.length),
    5: result.asOf,
  });
  quickPick.placeholder = vscode.l10n.t('OpenAI models: exact counts with their own encoding; the others: estimates with {0}, the selected encoding', encodingName(result.encoding));
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  const item = (row: FitRow): vscode.QuickPickItem => ({
    label: fitLabel(row),
    description: fitDescription(row),
    detail: fitDetail(row),
  });
  const exact = result.rows.filter((r) => r.exact);
  const estimated = result.rows.filter((r) => !r.exact);
  quickPick.items = [
    { label: vscode.l10n.t('OpenAI — exact counts'), kind: vscode.QuickPickItemKind.Separator },
    ...exact.map(item),
    { label: vscode.l10n.t('Other models — estimates with {0} (their tokenizers are not in gpt-tokenizer)', encodingName(result.encoding)), kind: vscode.QuickPickItemKind.Separator },
    ...estimated.map(item),
  ];
  quickPick.onDidAccept(() => quickPick.hide());
  quickPick.onDidHide(() => quickPick.dispose());
  quickPick.show();
}

/** Re-applies the settings to what is shown (called on configuration changes). */
export async function applyTokenSettings(ctx: TokensContext, changed: { encoding: boolean; whitespace: boolean }): Promise<void> {
  if (changed.encoding && ctx.overlay.visible) {
    const result = await ctx.overlay.refresh();
    if (result?.ok) for (const warning of result.warnings) ctx.notify.warn(warning);
  } else if (changed.whitespace) {
    ctx.overlay.relayout();
  }
  ctx.statusBar.onConfigChanged();
}

/**
 * After the workspace's model changed (trained, loaded, imported, reset): with the 'model' encoding, the
 * status bar counts and the overlay follow it, the overlay re-tokenized only when the vocabulary differs.
 */
export async function followModel(ctx: TokensContext): Promise<void> {
  if (ctx.config().encoding !== 'model') return;
  ctx.statusBar.onConfigChanged();
  const shown = ctx.overlay.encoding;
  if (!shown) return;
  const now = await resolveEncoding('model', ctx.model);
  if (now.vocab !== shown.vocab) await ctx.overlay.refresh();
}
