// What the engine worker is asked to train: the documents, a new model's shape (or the checkpoint to
// resume), and the run's settings, from the workspace's settings and a caller's overrides.

import type { EngineSettings, ModelSettings, TrainingSettings } from '../../../config/settings';
import type { TrainParams } from '../../../worker/engine/protocol';

/** Settings a caller (a test) may override for one run: the model and training settings, the backend, and two that are no setting (evalInterval, seed). */
export type TrainOverrides = ModelSettings &
  TrainingSettings &
  Pick<EngineSettings, 'backend'> & {
    evalInterval: number;
    seed: number;
  };

/** Tokens of each dashboard sample. */
const SAMPLE_TOKENS = 48;

export interface RunInput {
  documents: string[];
  mode: 'fresh' | 'resume';
  overrides: TrainOverrides;
  checkpointDir: string;
  /** The step to reach (a resumed run's target); 0: sized to the corpus by the engine. */
  steps: number;
  evalInterval: number;
  samplePrompt: string;
}

export function trainParams({ documents, mode, overrides: o, checkpointDir, steps, evalInterval, samplePrompt }: RunInput): TrainParams {
  return {
    documents,
    ...(mode === 'fresh'
      ? {
          fresh: {
            preset: o.preset,
            contextLength: o.contextLength,
            positional: o.positional,
            tokenizer: o.tokenizer,
            kind: o.kind,
          },
        }
      : {}),
    checkpointDir,
    backend: o.backend,
    settings: {
      steps,
      maxMinutes: o.minutes,
      learningRate: o.learningRate,
      batchSize: o.batchSize,
      dropout: o.dropout,
      evalInterval,
      patience: o.patience,
      weightDecay: o.weightDecay,
      checkpointInterval: o.checkpointInterval,
      sampleInterval: o.sampleInterval,
      samplePrompt,
      sampleTokens: SAMPLE_TOKENS,
      seed: o.seed,
      masking: { maskRate: o.maskRate, maskTokenShare: o.maskTokenShare, randomTokenShare: o.randomTokenShare },
    },
  };
}
