// LM Explorer's entry point: wiring only. Builds the services and features, registers the command table
// (src/commands.ts), follows the settings, and returns the API object the integration tests read.
// Later features add their services to Ctx and their entries to LmExplorerApi.

import * as path from 'path';
import * as vscode from 'vscode';
import { COMMANDS, Notifier, applyTokenSettings, type ContextFitResult, type Ctx, type Message } from './commands';
import { affects, readConfig } from './config';
import { TokenOverlay, type OverlayInfo } from './features/tokenIds';
import { TokenStatusBar, type StatusCounts } from './features/tokenStatusBar';
import { ModelVocabulary, TokenizeService } from './features/tokenizeService';
import { createTrainingFeature, TRAINING_COMMANDS, trainingApi, type TrainingApi } from './features/trainingFeature';
import { COMPLETION_COMMANDS, completionApi, createCompletionFeature, type CompletionApi } from './features/inlineCompletion';
import { ATTENTION_COMMANDS, attentionApi, createAttentionFeature, type AttentionApi } from './features/attentionPanel';

/** What `activate` returns (`vscode.extensions.getExtension('lm-explorer.lm-explorer').exports`). */
export interface LmExplorerApi extends TrainingApi, CompletionApi {
  /** The attention panel (features/attentionPanel.ts). */
  attention: AttentionApi;
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
  messages: {
    /** The latest message shown to the user by LM Explorer. */
    last(): Message | undefined;
    all(): readonly Message[];
  };
  tokenizer: {
    /** Requests the worker answered, and those answered on the extension host (large texts go to the worker). */
    workerRequests(): number;
    inlineRequests(): number;
    /** Why large texts are not tokenized in the worker, when they are not (else undefined). */
    workerProblem(): string | undefined;
    /** Where the trained model's vocabulary is read from for the 'model' encoding (undefined: no folder open). */
    modelVocabularyFile(): string | undefined;
  };
}

export function activate(context: vscode.ExtensionContext): LmExplorerApi {
  const log = vscode.window.createOutputChannel('LM Explorer', { log: true });
  const tokensConfig = () => readConfig().tokens;
  const service = new TokenizeService({
    workerPath: path.join(context.extensionPath, 'dist', 'tokenWorker.js'),
    threshold: () => tokensConfig().workerThreshold,
    log: (message) => log.info(message),
  });
  const model = new ModelVocabulary(() => (context.storageUri ? path.join(context.storageUri.fsPath, 'model') : undefined));
  const overlay = new TokenOverlay({ service, config: tokensConfig, model, log: (message) => log.warn(message) });
  const statusBar = new TokenStatusBar({ service, config: tokensConfig, model, log: (message) => log.warn(message) });
  const notify = new Notifier();
  context.subscriptions.push(log, service, overlay, statusBar);

  // Training (engine worker, status bar, dashboard): its own command table in features/trainingFeature.ts.
  const training = createTrainingFeature(context, log);
  context.subscriptions.push(training);
  for (const [name, factory] of Object.entries(TRAINING_COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(`lmExplorer.${name}`, factory(training)));
  }

  // Inline completions and next-token probabilities (their own inference worker): features/inlineCompletion.ts.
  const completion = createCompletionFeature(context, log, training);
  context.subscriptions.push(completion);
  for (const [name, factory] of Object.entries(COMPLETION_COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(`lmExplorer.${name}`, factory(completion)));
  }

  // Show Attention: the attention panel (webview, serializer, follow selection): features/attentionPanel.ts.
  const attention = createAttentionFeature({ extensionUri: context.extensionUri, engine: training.engine, notify, log });
  context.subscriptions.push(attention);
  for (const [name, factory] of Object.entries(ATTENTION_COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(`lmExplorer.${name}`, factory(attention)));
  }

  const ctx: Ctx = { extension: context, config: tokensConfig, service, model, overlay, statusBar, notify };

  for (const [name, factory] of Object.entries(COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(`lmExplorer.${name}`, factory(ctx)));
  }

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affects(event, 'tokens')) return;
      void applyTokenSettings(ctx, {
        encoding: affects(event, 'tokens.encoding'),
        whitespace: affects(event, 'tokens.showWhitespace'),
      });
    }),
  );

  return {
    ...trainingApi(training),
    ...completionApi(completion),
    attention: attentionApi(attention),
    tokenOverlay: { current: (options) => overlay.current(options), whenIdle: () => overlay.whenIdle() },
    statusBar: { text: () => statusBar.text(), counts: () => statusBar.counts(), refresh: () => statusBar.refresh() },
    contextFit: { last: () => ctx.lastContextFit },
    messages: { last: () => notify.last(), all: () => notify.all() },
    tokenizer: {
      workerRequests: () => service.workerRequests,
      inlineRequests: () => service.inlineRequests,
      workerProblem: () => service.workerProblem,
      modelVocabularyFile: () => model.file(),
    },
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
