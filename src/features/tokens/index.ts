// The tokens feature: Show Token IDs (the overlay), the status bar counts, Switch Encoding and Check
// Context Fit, all on the token worker's service; their commands and the tokens part of the API object.

import * as path from 'path';
import * as vscode from 'vscode';
import { affects, readConfig } from '../../config';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { TokensCommand } from './core/commandNames';
import { ModelVocabulary } from './core/encodingSetting';
import { TokenizeService } from '../../worker/tokens/client';
import {
  applyTokenSettings,
  followModel,
  checkContextFit,
  clearTokenIds,
  showTokenIds,
  switchEncoding,
  toggleTokenWhitespace,
  type ContextFitResult,
  type TokensContext,
} from './commands';
import { TokenOverlay } from './tokenIds';
import type { OverlayInfo } from './overlayInfo';
import { TokenStatusBar, type StatusCounts } from './tokenStatusBar';

/** The tokens part of the extension's API object. */
export interface TokensApi {
  tokenOverlay: {
    /** The overlay shown now, as data (tokens with ranges and labels, what is decorated), or undefined. */
    current(options?: { maxTokens?: number }): OverlayInfo | undefined;
    /** Resolves once a pending Show Token IDs (or a re-show after a settings change) has finished. */
    whenIdle(): Promise<void>;
  };
  statusBar: {
    /** The status bar text ("N tokens · M words · C chars"), or undefined while hidden. */
    text(): string | undefined;
    /** The numbers behind it. */
    counts(): StatusCounts | undefined;
    /** Counts now, without the debounce, and resolves with the text. */
    refresh(): Promise<string | undefined>;
  };
  contextFit: {
    /** The latest Check Context Fit result. */
    last(): ContextFitResult | undefined;
  };
  tokenizer: {
    /** Requests the worker answered, and those answered on the extension host (large texts go to the worker). */
    workerRequests(): number;
    inlineRequests(): number;
    /** Why large texts are not tokenized in the worker, when they are not (else undefined). */
    workerProblem(): string | undefined;
    /** Where the workspace model's vocabulary is read from for the 'model' encoding (the training feature's model folder). */
    modelVocabularyFile(): string | undefined;
  };
}

/** What the tokens feature follows of the workspace's model: its folder, and its state changes (trained, loaded, imported, reset). */
export interface WorkspaceModel {
  readonly modelDir: string;
  onDidChangeState: vscode.Event<{ kind: string }>;
}

export function register(host: HostContext, model: WorkspaceModel): Registered<TokensApi> {
  const { extension: context, log } = host;
  const config = () => readConfig().tokens;
  const service = new TokenizeService({
    workerPath: path.join(context.extensionPath, 'dist', 'tokenWorker.js'),
    threshold: () => config().workerThreshold,
    log: (message) => log.info(message),
  });
  const modelVocabulary = new ModelVocabulary(() => model.modelDir);
  const overlay = new TokenOverlay({ service, config, model: modelVocabulary, log: (message) => log.warn(message) });
  const statusBar = new TokenStatusBar({ service, config, model: modelVocabulary, log: (message) => log.warn(message) });
  const ctx: TokensContext = { config, service, model: modelVocabulary, overlay, statusBar, notify: host.notify };
  context.subscriptions.push(
    service,
    overlay,
    statusBar,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affects(event, 'tokens')) return;
      void applyTokenSettings(ctx, {
        encoding: affects(event, 'tokens.encoding'),
        whitespace: affects(event, 'tokens.showWhitespace'),
      });
    }),
    // a model trained, loaded or imported here, or reset: the 'model' encoding shows the new one's tokens
    model.onDidChangeState((state) => {
      if (state.kind === 'ready' || state.kind === 'none') void followModel(ctx);
    }),
  );
  const commands: CommandTable<TokensCommand> = {
    showTokenIds: showTokenIds(ctx),
    clearTokenIds: clearTokenIds(ctx),
    toggleTokenWhitespace: toggleTokenWhitespace(ctx),
    switchEncoding: switchEncoding(ctx),
    checkContextFit: checkContextFit(ctx),
  };
  const api: TokensApi = {
    tokenOverlay: { current: (options) => overlay.current(options), whenIdle: () => overlay.whenIdle() },
    statusBar: { text: () => statusBar.text(), counts: () => statusBar.counts(), refresh: () => statusBar.refresh() },
    contextFit: { last: () => ctx.lastContextFit },
    tokenizer: {
      workerRequests: () => service.workerRequests,
      inlineRequests: () => service.inlineRequests,
      workerProblem: () => service.workerProblem,
      modelVocabularyFile: () => modelVocabulary.file(),
    },
  };
  return { commands, api };
}
