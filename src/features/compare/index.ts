// Compare Causal and Bidirectional: one decoder head beside one encoder head on the same text, and the
// compare part of the extension's API object.

import * as vscode from 'vscode';
import type { ModelKind } from '../../engine/model';
import { targetEditor } from '../../host/editorTarget';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { EngineClient } from '../../worker/engine/client';
import type { TrainingController } from '../training/trainingController';
import type { CompareCommand } from './core/commandNames';
import { CompareFeature, type CompareResult, type CompareSnapshot } from './comparePanel';
import type { CompareRenderReport, CompareViewState } from './protocol';

/** Runs on the training feature's engine worker: the workspace model, and a second one from a folder beside it. */
export function register(ctx: HostContext, training: { engine: EngineClient; controller: TrainingController }): Registered<{ compare: CompareApi }> {
  const feature = new CompareFeature({
    extensionUri: ctx.extension.extensionUri,
    engine: training.engine,
    controller: training.controller,
    workspaceState: ctx.extension.workspaceState,
    notify: ctx.notify,
    log: ctx.log,
  });
  ctx.extension.subscriptions.push(feature);
  const commands: CommandTable<CompareCommand> = {
    // from the attention panel's button: the document and the range it shows
    compareAttention: (target?: unknown, range?: unknown) => feature.show(targetEditor(target), isRange(range) ? range : undefined),
  };
  return { commands, api: { compare: compareApi(feature) } };
}

function isRange(value: unknown): value is { start: number; end: number } {
  const r = value as { start?: unknown; end?: unknown } | null;
  return typeof r === 'object' && r !== null && Number.isInteger(r.start) && Number.isInteger(r.end) && (r.start as number) < (r.end as number);
}

/** The compare part of the extension's API object (integration tests). */
export interface CompareApi {
  /** Compare on an editor's selection (default: the active one); resolves once the page has drawn it. */
  show(options?: { editor?: vscode.TextEditor; timeoutMs?: number }): Promise<CompareResult & { report?: CompareRenderReport }>;
  /** What the panel shows: each side's status, model folder, tokens and maps. */
  current(): CompareSnapshot | undefined;
  /** Changes a side's layer/head; resolves with the page's report once redrawn. */
  setView(view: Partial<CompareViewState>): Promise<CompareRenderReport>;
  /** The page measures its canvases in the browser. */
  selfCheck(): Promise<CompareRenderReport>;
  /** "Choose Model Folder…" with the folder given: false when it is not a model of that kind. */
  chooseFolder(kind: ModelKind, folder: vscode.Uri): Promise<boolean>;
  whenRendered(seq?: number): Promise<CompareRenderReport>;
  pageLoads(): number;
  isOpen(): boolean;
  close(): void;
}

function compareApi(f: CompareFeature): CompareApi {
  return {
    show: async (options) => {
      const result = await f.show(options?.editor ?? vscode.window.activeTextEditor);
      if (!result.ok) return result;
      await f.whenReady(options?.timeoutMs);
      return { ...result, report: await f.whenRendered(result.seq, options?.timeoutMs) };
    },
    current: () => f.snapshot(),
    setView: (view) => f.setView(view),
    selfCheck: () => f.selfCheck(),
    chooseFolder: (kind, folder) => f.chooseFolder(kind, folder),
    whenRendered: (seq) => f.whenRendered(seq),
    pageLoads: () => f.loads,
    isOpen: () => f.isOpen(),
    close: () => f.close(),
  };
}
