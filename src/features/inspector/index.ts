// The Model Inspector: its commands (Open Model Inspector, Show Embeddings, Show Nearest Tokens and one
// per tab), the hover action on a token, and the inspector part of the extension's API object.

import * as vscode from 'vscode';
import { readConfig } from '../../config';
import type { InspectQuery, InspectRequest } from '../../engine/inspect/types';
import { targetEditor } from '../../host/editorTarget';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { InspectorCommand } from './core/commandNames';
import type { EngineClient } from '../../worker/engine/client';
import type { AttentionApi } from '../attention/index';
import { InspectorFeature, type InspectorShowResult, type InspectorTiming } from './inspectorPanel';
import type { InspectorAnswer, InspectorRenderReport, InspectorTab } from './protocol';

const NEAREST_COMMAND = 'lmExplorer.showNearestTokens';

/** The text a command acts on and where it came from (the attention panel may be asked to show it). */
interface Source {
  uri: vscode.Uri;
  range: vscode.Range;
  text: string;
}

function selectionOf(editor: vscode.TextEditor | undefined): Source | undefined {
  if (!editor || editor.selection.isEmpty) return undefined;
  const range = new vscode.Range(editor.selection.start, editor.selection.end);
  return { uri: editor.document.uri, range, text: editor.document.getText(range) };
}

/**
 * The word at a position, with the space before it when there is one: a GPT tokenizer reads a word in the
 * middle of a sentence as " word", so that is the token the model has a row for.
 */
export function wordAt(document: vscode.TextDocument, position: vscode.Position): Source | undefined {
  const range = document.getWordRangeAtPosition(position, /[\p{L}\p{N}_'’-]+/u) ?? document.getWordRangeAtPosition(position);
  if (!range) return undefined;
  const before = range.start.character > 0 ? document.getText(new vscode.Range(range.start.translate(0, -1), range.start)) : '';
  const withSpace = before === ' ' ? new vscode.Range(range.start.translate(0, -1), range.end) : range;
  return { uri: document.uri, range: withSpace, text: document.getText(withSpace) };
}

/** The character at a position (a `char` model's token), or undefined at the end of a line. */
function characterAt(document: vscode.TextDocument, position: vscode.Position): Source | undefined {
  const line = document.lineAt(position.line).text;
  const code = line.codePointAt(position.character);
  if (code === undefined) return undefined;
  const range = new vscode.Range(position, position.translate(0, code > 0xffff ? 2 : 1));
  return { uri: document.uri, range, text: document.getText(range) };
}

function uriOf(target: unknown): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (typeof target === 'string') return vscode.Uri.parse(target);
  if (target && typeof target === 'object' && 'scheme' in target && 'path' in target) return vscode.Uri.from(target as vscode.Uri);
  return undefined;
}

function isQuery(value: unknown): value is InspectQuery {
  if (!value || typeof value !== 'object') return false;
  const q = value as Record<string, unknown>;
  return typeof q.text === 'string' || Number.isInteger(q.id);
}

export function register(ctx: HostContext, engine: EngineClient, attention: AttentionApi): Registered<{ inspector: InspectorApi }> {
  let lastSource: Source | undefined;
  const remember = (source: Source | undefined) => {
    if (source) lastSource = source;
    return source;
  };

  /** A click on an attention block: the attention panel at that layer, of the text the inspector showed. */
  const openAttention = async (layer: number) => {
    if (!attention.current()) {
      const source = lastSource ?? selectionOf(vscode.window.activeTextEditor);
      if (!source) {
        ctx.notify.info(vscode.l10n.t('Select some text first: the attention panel shows what each layer attends to in a text.'));
        return;
      }
      const document = await vscode.workspace.openTextDocument(source.uri);
      const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: true });
      editor.selection = new vscode.Selection(source.range.start, source.range.end);
      const shown = await attention.show({ editor });
      if (!shown.ok) return;
    }
    await attention.setView({ view: 'head', layer });
  };

  const feature = new InspectorFeature({ extensionUri: ctx.extension.extensionUri, engine, notify: ctx.notify, log: ctx.log, openAttention });
  ctx.extension.subscriptions.push(feature);

  const showEmbeddings = (target?: unknown): Promise<InspectorShowResult> => {
    const source = remember(selectionOf(targetEditor(target)));
    return source ? feature.run({ view: 'embeddings', text: source.text }) : feature.open('embeddings');
  };

  /** What a `char` model has a token for is one character; the other tokenizers' is a word. */
  const tokenAt = (document: vscode.TextDocument, position: vscode.Position) =>
    engine.currentModel?.tokenizer === 'char' ? characterAt(document, position) : wordAt(document, position);

  const showNearest = (target?: unknown, query?: unknown): Promise<InspectorShowResult> => {
    if (isQuery(query)) return feature.run({ view: 'nearest', query });
    const editor = targetEditor(uriOf(target));
    const source = remember(selectionOf(editor) ?? (editor ? tokenAt(editor.document, editor.selection.active) : undefined));
    return source ? feature.run({ view: 'nearest', query: { text: source.text } }) : feature.open('nearest');
  };

  const showArchitecture = (target?: unknown): Promise<InspectorShowResult> => {
    const source = remember(selectionOf(targetEditor(target)));
    return feature.run({ view: 'architecture', ...(source ? { text: source.text } : {}) });
  };

  ctx.extension.subscriptions.push(
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
      provideHover: (document, position) => {
        if (!engine.currentModel || !readConfig().inspector.hoverAction) return undefined;
        const word = tokenAt(document, position);
        if (!word || !word.text.trim()) return undefined;
        const args = encodeURIComponent(JSON.stringify([document.uri.toString(), { text: word.text }]));
        const markdown = new vscode.MarkdownString(`[$(search) ${vscode.l10n.t('Nearest tokens of {0}', `\`${word.text.replace(/`/g, "'")}\``)}](command:${NEAREST_COMMAND}?${args})`, true);
        markdown.isTrusted = { enabledCommands: [NEAREST_COMMAND] };
        return new vscode.Hover(markdown, word.range);
      },
    }),
  );

  const commands: CommandTable<InspectorCommand> = {
    openInspector: () => feature.open(),
    showEmbeddings,
    showNearestTokens: showNearest,
    showAnalogies: () => feature.open('analogy'),
    showArchitecture,
    showTrainingChanges: () => feature.open('compare'),
  };
  return { commands, api: { inspector: inspectorApi(feature) } };
}

/** The inspector part of the extension's API object (integration tests, the benchmark). */
export interface InspectorApi {
  /** Computes a view in the engine worker and shows it; resolves once the page has drawn it. */
  show(request: InspectRequest, options?: { timeoutMs?: number }): Promise<InspectorShowResult & { report?: InspectorRenderReport }>;
  /** Waits for the page to have drawn answer `seq`. */
  whenRendered(seq: number): Promise<InspectorRenderReport>;
  /** Switches the page to a tab it has an answer for; resolves once it is drawn again. */
  selectTab(tab: InspectorTab): Promise<InspectorRenderReport>;
  /** The page measures the current tab's canvases in the browser. */
  selfCheck(): Promise<InspectorRenderReport>;
  /** What a tab shows, as the engine answered. */
  answer(tab: InspectorTab): InspectorAnswer | undefined;
  currentTab(): InspectorTab;
  timing(seq: number): InspectorTiming | undefined;
  exportCsv(tab: InspectorTab, target: vscode.Uri): Promise<vscode.Uri>;
  exportPng(target: vscode.Uri): Promise<vscode.Uri>;
  pageLoads(): number;
  isOpen(): boolean;
  close(): void;
}

function inspectorApi(f: InspectorFeature): InspectorApi {
  return {
    show: async (request, options) => {
      const result = await f.run(request);
      if (!result.ok) return result;
      const report = await f.whenRendered(result.seq, options?.timeoutMs);
      return { ...result, timing: f.timing(result.seq) ?? result.timing, report };
    },
    whenRendered: (seq) => f.whenRendered(seq),
    selectTab: (tab) => f.selectTab(tab),
    selfCheck: () => f.selfCheck(),
    answer: (tab) => f.answer(tab),
    currentTab: () => f.currentTab(),
    timing: (seq) => f.timing(seq),
    exportCsv: (tab, target) => f.exportCsv(tab, target),
    exportPng: (target) => f.exportPng(target),
    pageLoads: () => f.loads,
    isOpen: () => f.isOpen(),
    close: () => f.close(),
  };
}
