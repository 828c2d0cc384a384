// LM Explorer's entry point, wiring only: the services every feature shares, then each feature's
// register(), one loop for all their commands, and the API object the integration tests read.

import * as vscode from 'vscode';
import { registerCommandTables } from './host/commands';
import type { HostContext } from './host/feature';
import { initLocalization } from './host/l10n';
import { Notifier, type Message } from './host/notifier';
import * as attention from './features/attention/index';
import * as compare from './features/compare/index';
import * as inspector from './features/inspector/index';
import * as completion from './features/completion/index';
import * as fillMask from './features/fillMask/index';
import * as sampling from './features/sampling/index';
import * as tokens from './features/tokens/index';
import * as training from './features/training/index';
import type { AttentionApi } from './features/attention/index';
import type { CompareApi } from './features/compare/index';
import type { InspectorApi } from './features/inspector/index';
import type { CompletionApi } from './features/completion/inlineCompletion';
import type { FillMaskApi } from './features/fillMask/index';
import type { SamplingApi } from './features/sampling/index';
import type { TokensApi } from './features/tokens/index';
import type { TrainingApi } from './features/training/index';

/** What `activate` returns (`vscode.extensions.getExtension('lm-explorer.lm-explorer').exports`). */
export interface LmExplorerApi extends TokensApi, TrainingApi, CompletionApi, FillMaskApi {
  attention: AttentionApi;
  compare: CompareApi;
  inspector: InspectorApi;
  sampling: SamplingApi;
  messages: {
    /** The latest message shown to the user by LM Explorer. */
    last(): Message | undefined;
    all(): readonly Message[];
  };
}

export function activate(context: vscode.ExtensionContext): LmExplorerApi {
  // first: the code shared with the CLI and the webviews translates and formats in the display language
  initLocalization();
  const log = vscode.window.createOutputChannel('LM Explorer', { log: true });
  context.subscriptions.push(log);
  const notify = new Notifier();
  const host: HostContext = { extension: context, log, notify };

  const trainingFeature = training.register(host);
  const tokensFeature = tokens.register(host, trainingFeature.controller);
  const completionFeature = completion.register(host, trainingFeature);
  const attentionFeature = attention.register(host, trainingFeature.engine);
  const inspectorFeature = inspector.register(host, trainingFeature.engine, attentionFeature.api.attention);
  const samplingFeature = sampling.register(host, trainingFeature.engine);
  const fillMaskFeature = fillMask.register(host, trainingFeature.engine);
  const compareFeature = compare.register(host, trainingFeature);
  const features = [tokensFeature, trainingFeature, completionFeature, attentionFeature, inspectorFeature, samplingFeature, fillMaskFeature, compareFeature];
  registerCommandTables(context, features.map((feature) => feature.commands));

  return {
    ...tokensFeature.api,
    ...trainingFeature.api,
    ...completionFeature.api,
    ...attentionFeature.api,
    ...fillMaskFeature.api,
    ...compareFeature.api,
    ...inspectorFeature.api,
    ...samplingFeature.api,
    messages: { last: () => notify.last(), all: () => notify.all() },
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
