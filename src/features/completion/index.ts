// The completion feature: inline completions from the workspace model and Show Next-Token
// Probabilities, their commands and the completion part of the extension's API object.

import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { CompletionCommand } from './core/commandNames';
import { targetEditor } from '../../host/editorTarget';
import type { TrainingRegistration } from '../training/index';
import { InlineCompletionFeature, type CompletionApi } from './inlineCompletion';
import { showNextTokenProbabilities } from './nextTokenProbabilities';

export function register(ctx: HostContext, training: Pick<TrainingRegistration, 'controller'>): Registered<CompletionApi> {
  const feature = new InlineCompletionFeature(ctx.extension, ctx.log, training);
  ctx.extension.subscriptions.push(feature);
  const commands: CommandTable<CompletionCommand> = {
    toggleCompletions: () => feature.toggle(),
    showNextTokenProbabilities: async (target?: unknown) => {
      const result = await showNextTokenProbabilities(feature.engine, feature.modelDir(), targetEditor(target), ctx.notify);
      feature.lastNextTokens = result;
      return result;
    },
  };
  return { commands, api: { completion: feature.api() } };
}
