// The attention feature: Show Attention, its panel, and the attention part of the extension's API object.

import * as vscode from 'vscode';
import { targetEditor } from '../../host/editorTarget';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { AttentionCommand } from './core/commandNames';
import type { EngineClient } from '../../worker/engine/client';
import type { AttentionResult } from '../../worker/engine/protocol';
import { AttentionFeature } from './attentionPanel';
import type { AttentionSnapshot, AttentionTiming, ShowAttentionResult } from './attentionResults';
import type { AttentionRenderReport, AttentionViewState } from './protocol';

/** Runs on the training feature's engine worker (the model being trained is the one shown). */
export function register(ctx: HostContext, engine: EngineClient): Registered<{ attention: AttentionApi }> {
  const feature = new AttentionFeature({ extensionUri: ctx.extension.extensionUri, engine, notify: ctx.notify, log: ctx.log });
  ctx.extension.subscriptions.push(feature);
  const commands: CommandTable<AttentionCommand> = {
    showAttention: (target?: unknown) => feature.show(targetEditor(target)),
  };
  return { commands, api: { attention: attentionApi(feature) } };
}

/** The attention part of the extension's API object (integration tests). */
export interface AttentionApi {
  /** Show Attention on an editor's selection (default: the active one); resolves once the panel has drawn it. */
  show(options?: { editor?: vscode.TextEditor; timeoutMs?: number }): Promise<ShowAttentionResult & { report?: AttentionRenderReport }>;
  /** The engine's answer for a text, without the panel: tokens, offsets, attention[layer][head][query][key]. */
  compute(text: string, options?: { maxTokens?: number }): Promise<AttentionResult>;
  /** What the panel shows: tokens with their document offsets, shape, view, staleness. */
  current(): AttentionSnapshot | undefined;
  /** The maps the panel shows, as the engine returned them. */
  attention(): number[][][][] | undefined;
  isOpen(): boolean;
  /** Changes the page's view (layer, head, view kind, query…); resolves with its report once redrawn. */
  setView(view: Partial<AttentionViewState>): Promise<AttentionRenderReport>;
  /** The page measures its canvas in the browser (size, pixel variance). */
  selfCheck(): Promise<AttentionRenderReport>;
  /** As a click on token `index` in the page: highlights it in the editor. */
  clickToken(index: number): Promise<vscode.Range | undefined>;
  highlighted(): { uri: string; range: vscode.Range } | undefined;
  exportPng(target: vscode.Uri): Promise<vscode.Uri>;
  exportHtml(target: vscode.Uri): Promise<vscode.Uri>;
  /** Runs the model again on the panel's text (its range follows edits); resolves once drawn. */
  refresh(): Promise<ShowAttentionResult & { report?: AttentionRenderReport }>;
  /** Times of the last computation: engine, host, render, command → drawn. */
  timing(): AttentionTiming | undefined;
  /** How many times the page has loaded so far (reloads included). */
  pageLoads(): number;
  /** Waits for the page to have drawn computation `seq` (default: the current one). */
  whenRendered(seq?: number): Promise<AttentionRenderReport>;
  close(): void;
}

function attentionApi(f: AttentionFeature): AttentionApi {
  return {
    show: async (options) => {
      const result = await f.show(options?.editor ?? vscode.window.activeTextEditor);
      if (!result.ok) return result;
      await f.whenReady(options?.timeoutMs);
      const report = await f.whenRendered(result.seq, options?.timeoutMs);
      return { ...result, timing: f.timing(), report };
    },
    compute: (text, options) => f.compute(text, options?.maxTokens),
    current: () => f.snapshot(),
    attention: () => f.attentionOnScreen(),
    isOpen: () => f.isOpen(),
    setView: (view) => f.setView(view),
    selfCheck: () => f.selfCheck(),
    clickToken: (index) => f.revealToken(index),
    highlighted: () => f.highlighted(),
    exportPng: (target) => f.exportPng(target),
    exportHtml: (target) => f.exportHtml(target),
    refresh: async () => {
      const result = await f.refresh();
      return result.ok ? { ...result, report: await f.whenRendered(result.seq) } : result;
    },
    timing: () => f.timing(),
    pageLoads: () => f.loads,
    whenRendered: (seq) => f.whenRendered(seq),
    close: () => f.close(),
  };
}
