// What the `auto` budget chooses for a run from the size of the corpus, and why: a folder of notes is small,
// and a run sized for a large corpus memorises it (see src/engine/trainingRun.ts).

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../l10n/format';
import type { GPTConfig } from './model';
import { PRESET_NAMES, PRESETS, type PresetName } from './presets';
import { withDefaults, type RunSettings } from './runSettings';

/** The settings a run is sized by, with every `auto` resolved to a value. */
export type TrainingPlan = Pick<
  RunSettings,
  'contextLength' | 'steps' | 'batchSize' | 'learningRate' | 'minLearningRate' | 'warmupSteps' | 'weightDecay' | 'dropout' | 'patience' | 'evalInterval'
> & {
  preset: PresetName;
  /** One line for each choice, explicit settings named as such. */
  reasons: string[];
};

/**
 * Corpus sizes (training tokens) at which `auto` moves to the next model size, set with npm run
 * bench:quality: on a folder of notes the tiny model with dropout still improves on held-out notes after
 * many passes, and a larger model costs several times the compute a token, which a folder of notes does not
 * repay within minutes.
 */
const SMALL_FROM_TOKENS = 60_000;
const MEDIUM_FROM_TOKENS = 2_000_000;
/** Passes over the training part an `auto` run may take; early stopping ends it once validation stops improving. */
const AUTO_EPOCHS = 120;
const AUTO_MIN_STEPS = 300;
/** Training tokens an `auto` run reads at most, by model size: a few minutes on two laptop cores. */
const AUTO_TOKEN_BUDGET: Record<PresetName, number> = { tiny: 2_500_000, small: 800_000, medium: 400_000 };
const AUTO_EVALUATIONS = 40;
// tiny: set with npm run bench:quality on bench/notes, where a higher rate overfitted sooner.
const AUTO_LEARNING_RATE: Record<PresetName, number> = { tiny: 2e-3, small: 2e-3, medium: 6e-4 };

/** The context `auto` gives a corpus: longer only when there is text enough to learn long-range use from. */
function autoContext(trainTokens: number, preset: PresetName): number {
  return Math.min(PRESETS[preset].contextLength, trainTokens < 200_000 ? 64 : 128);
}

/**
 * Sizes a run to its corpus. `fixed` is the model when resuming (its preset and context cannot change).
 * Every choice made here gets a reason; explicit settings are reported as such.
 */
export function planTraining(trainTokens: number, input: Partial<RunSettings> = {}, fixed?: { config: GPTConfig; step: number }): TrainingPlan {
  const s = withDefaults(input);
  const reasons: string[] = [];
  const k = (n: number) => (n >= 10_000 ? l10n.t('{0}k', formatNumber(Math.round(n / 1000))) : formatNumber(n));
  const tokens = (n: number) => plural(n, l10n.t('{0} token|{0} tokens', formatNumber(n)));

  let preset: PresetName;
  if (fixed) {
    preset = presetOf(fixed.config);
    reasons.push(l10n.t('Model: {0}, from the checkpoint being resumed.', describeConfig(fixed.config)));
  } else if (s.preset !== 'auto') {
    preset = s.preset;
    reasons.push(l10n.t('Model: {0}, as set.', preset));
  } else {
    preset = trainTokens < SMALL_FROM_TOKENS ? 'tiny' : trainTokens < MEDIUM_FROM_TOKENS ? 'small' : 'medium';
    reasons.push(
      preset === 'tiny'
        ? l10n.t('Model: {0}, because {1} training tokens are too few for a larger model: it would memorise them sooner.', preset, k(trainTokens))
        : preset === 'small'
          ? l10n.t('Model: {0}, because {1} training tokens are enough for 4 layers of 128 channels, not for more.', preset, k(trainTokens))
          : l10n.t('Model: {0}, because {1} training tokens are enough text for the largest model.', preset, k(trainTokens)),
    );
  }

  let contextLength: number;
  if (fixed) contextLength = fixed.config.contextLength;
  else if (s.contextLength > 0) {
    contextLength = s.contextLength;
    reasons.push(l10n.t('Context: {0}, as set.', tokens(contextLength)));
  } else {
    contextLength = autoContext(trainTokens, preset);
    reasons.push(
      contextLength < 128
        ? l10n.t('Context: {0}, as notes this size rarely need more.', tokens(contextLength))
        : l10n.t('Context: {0}, for a corpus this large.', tokens(contextLength)),
    );
  }

  const tokensPerStep = s.batchSize * contextLength;
  const startStep = fixed?.step ?? 0;
  let steps: number;
  if (s.steps > 0) {
    steps = s.steps;
    reasons.push(l10n.t('Steps: {0}, as set.', formatNumber(steps)));
  } else {
    const perEpoch = Math.max(1, trainTokens / tokensPerStep);
    const byBudget = Math.floor(AUTO_TOKEN_BUDGET[preset] / tokensPerStep);
    const runSteps = Math.round(Math.max(AUTO_MIN_STEPS, Math.min(AUTO_EPOCHS * perEpoch, byBudget)));
    steps = startStep + runSteps;
    const budgetNote =
      AUTO_EPOCHS * perEpoch > byBudget && runSteps === byBudget ? l10n.t(", the {0} model's budget of {1} training tokens", preset, k(AUTO_TOKEN_BUDGET[preset])) : '';
    const passes = Math.round(runSteps / perEpoch);
    reasons.push(
      l10n.t('Steps: up to {0}: {1} ({2} a step){3}; early stopping ends the run when validation stops improving.', {
        0: startStep ? l10n.t('{0} more (to {1})', formatNumber(runSteps), formatNumber(steps)) : formatNumber(runSteps),
        1: plural(passes, l10n.t('about {0} pass over the training part|about {0} passes over the training part', formatNumber(passes))),
        2: `${formatNumber(s.batchSize)} × ${tokens(contextLength)}`,
        3: budgetNote,
      }),
    );
  }

  const learningRate = s.learningRate > 0 ? s.learningRate : AUTO_LEARNING_RATE[preset];
  reasons.push(
    s.learningRate > 0 ? l10n.t('Learning rate: {0}, as set.', formatNumber(learningRate)) : l10n.t('Learning rate: {0}, for the {1} model.', formatNumber(learningRate), preset),
  );
  const minLearningRate = s.minLearningRate > 0 ? s.minLearningRate : learningRate / 10;
  const runSteps = steps - startStep;
  // Warm up over the first 5% of the run (at most 100 steps): a short run still gets its full rate.
  const warmupSteps = s.warmupSteps >= 0 ? s.warmupSteps : Math.max(1, Math.min(100, Math.round(runSteps / 20)));
  const evalInterval = s.evalInterval > 0 ? s.evalInterval : Math.max(5, Math.min(100, Math.round(runSteps / AUTO_EVALUATIONS)));
  const every = plural(evalInterval, l10n.t('every {0} step|every {0} steps', formatNumber(evalInterval)));
  reasons.push(s.evalInterval > 0 ? l10n.t('Validation {0}, as set.', every) : l10n.t('Validation {0}.', every));
  if (s.patience > 0) {
    const patienceSteps = s.patience * evalInterval;
    reasons.push(
      l10n.t('Early stopping after {0} ({1}) without a new best; the best model is kept.', {
        0: plural(s.patience, l10n.t('{0} validation|{0} validations', formatNumber(s.patience))),
        1: plural(patienceSteps, l10n.t('{0} step|{0} steps', formatNumber(patienceSteps))),
      }),
    );
  } else reasons.push(l10n.t('No early stopping (patience 0); the best model is kept.'));
  if (s.dropout > 0) reasons.push(l10n.t('Dropout {0}, so that the model cannot lean on memorised details.', formatNumber(s.dropout)));

  return {
    preset,
    contextLength,
    steps,
    batchSize: s.batchSize,
    learningRate,
    minLearningRate,
    warmupSteps,
    weightDecay: s.weightDecay,
    dropout: s.dropout,
    patience: s.patience,
    evalInterval,
    reasons,
  };
}

/** The preset a configuration is, or the nearest one by size (for a resumed model's plan). */
function presetOf(config: GPTConfig): PresetName {
  const names = PRESET_NAMES;
  const exact = names.find((n) => PRESETS[n].nLayer === config.nLayer && PRESETS[n].nEmbd === config.nEmbd && PRESETS[n].nHead === config.nHead);
  if (exact) return exact;
  return names.reduce((a, b) => (Math.abs(PRESETS[b].nEmbd - config.nEmbd) < Math.abs(PRESETS[a].nEmbd - config.nEmbd) ? b : a));
}

function describeConfig(c: GPTConfig): string {
  return l10n.t('{0} × {1}, context {2}', {
    0: plural(c.nLayer, l10n.t('{0} layer|{0} layers', formatNumber(c.nLayer))),
    1: plural(c.nEmbd, l10n.t('{0} channel|{0} channels', formatNumber(c.nEmbd))),
    2: formatNumber(c.contextLength),
  });
}
