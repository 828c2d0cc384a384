// The fill-in-the-mask feature: Predict Masked Word on a selection, with the workspace encoder.

import { targetEditor } from '../../host/editorTarget';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { FillMaskCommand } from './core/commandNames';
import type { EngineClient } from '../../worker/engine/client';
import { predictMaskedWord, type PredictMaskedWordResult } from './predictMaskedWord';

export interface FillMaskApi {
  fillMask: {
    /** The result of the last Predict Masked Word (its quick pick may still be open). */
    last(): PredictMaskedWordResult | undefined;
  };
}

/** Runs on the training feature's engine worker (the workspace model). */
export function register(ctx: HostContext, engine: EngineClient): Registered<FillMaskApi> {
  let last: PredictMaskedWordResult | undefined;
  const commands: CommandTable<FillMaskCommand> = {
    predictMaskedWord: async (target?: unknown) => (last = await predictMaskedWord(engine, ctx.notify, targetEditor(target))),
  };
  return { commands, api: { fillMask: { last: () => last } } };
}
