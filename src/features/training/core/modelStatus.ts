// The workspace model's state between runs ('ready' or 'none'), from its training history and its saved
// checkpoint: what the status bar and the dashboard show once no run is going.

import * as fs from 'fs';
import * as path from 'path';
import type { ModelState } from './trainingFormat';
import type { HistoryFile } from './trainingHistory';

/** The last validation loss of the curves, else the model's. */
export function lastValLoss(history: HistoryFile): number | undefined {
  for (let i = history.points.length - 1; i >= 0; i--) {
    const v = history.points[i].valLoss;
    if (v !== undefined) return v;
  }
  return history.model?.valLoss;
}

/** The step of the checkpoint in `modelDir` (its config.json), if there is one. */
export function checkpointStep(modelDir: string): number | undefined {
  try {
    const step = (JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { step?: unknown }).step;
    return typeof step === 'number' ? step : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ready: the kept model's step and validation loss (the best validation of its run, when the engine kept
 * one), and the latest step, where Resume continues; 'none' without a saved model. `savedStep` is read only
 * when the history does not know the step.
 */
export function readyState(history: HistoryFile, hasModel: boolean, savedStep: () => number | undefined): ModelState {
  if (!hasModel) return { kind: 'none' };
  const last = history.points[history.points.length - 1];
  const latestStep = history.run?.step ?? history.model?.step ?? savedStep();
  const best = history.model?.best ?? history.run?.best;
  const step = best?.step ?? latestStep;
  const valLoss = best?.valLoss ?? lastValLoss(history);
  return {
    kind: 'ready',
    ...(step !== undefined ? { step } : {}),
    ...(valLoss !== undefined ? { valLoss } : {}),
    ...(last ? { loss: last.loss } : {}),
    ...(best ? { best: true } : {}),
    ...(latestStep !== undefined ? { latestStep } : {}),
  };
}
