// The training history: the curves, samples, corpus, plan and run of the workspace's model, kept in
// training-history.json beside the model (and copied into an exported model's folder, so that Load Model…
// brings the curves back with it). No `vscode` import: unit-tested in plain Node.
//
// Writes are atomic and one at a time. Two saves used to share one temporary name: the first rename took
// the file away from the second ("ENOENT … training-history.json.tmp"). Now each write has its own
// temporary file, and the writes run in order, so the last save is the one on disk.

import * as l10n from '@vscode/l10n';
import { formatNumber } from '../../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import type { CorpusView, LossPoint, RunView, SampleView } from '../protocol';
import { CHECKPOINT_FILES } from '../../../engine/modelFolder';
import type { ModelInfo, TrainingPlanInfo } from '../../../worker/engine/protocol';
import { writeFileAtomic } from '../../../engine/atomicWrite';

/** In the workspace's storage beside the model, and in an exported model's folder (a checkpoint's file there). */
export const HISTORY_FILE = CHECKPOINT_FILES.history;

export interface HistoryFile {
  version: 1;
  points: LossPoint[];
  samples: SampleView[];
  corpus?: CorpusView;
  model?: ModelInfo;
  run?: RunView;
  /** What the run was built with and why (the engine's `auto` budget). */
  plan?: TrainingPlanInfo;
  /** Why there are no curves (a model loaded without its history). */
  note?: string;
}

export function emptyHistory(): HistoryFile {
  return { version: 1, points: [], samples: [] };
}

/** The history in a parsed JSON value, or undefined when it is not one. */
export function parseHistory(json: unknown): HistoryFile | undefined {
  const h = json as Partial<HistoryFile> | null;
  if (!h || typeof h !== 'object' || h.version !== 1 || !Array.isArray(h.points) || !Array.isArray(h.samples)) return undefined;
  if (!h.points.every((p) => p && typeof p.step === 'number' && typeof p.loss === 'number')) return undefined;
  return h as HistoryFile;
}

/** Reads a history file; undefined when there is none or it is not one. */
export function readHistorySync(file: string): HistoryFile | undefined {
  try {
    return parseHistory(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Saves history files atomically, one write at a time, in the order asked. */
export class HistoryWriter {
  private last: Promise<void> = Promise.resolve();

  /** Writes `history` to `file` after the writes asked before; rejects when this write fails. */
  save(file: string, history: HistoryFile): Promise<void> {
    const data = JSON.stringify(history); // now: the caller goes on changing the history
    const write = this.last.then(async () => {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, data);
    });
    this.last = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every write asked so far has finished (before removing the file, say). */
  settled(): Promise<void> {
    return this.last;
  }
}

/** Whether two descriptions are of the same weights: shape, tokenizer and step. */
function sameModel(a: ModelInfo, b: ModelInfo): boolean {
  const x = a.config;
  const y = b.config;
  return (
    a.tokenizer === b.tokenizer &&
    a.step === b.step &&
    x.vocabSize === y.vocabSize &&
    x.contextLength === y.contextLength &&
    x.nLayer === y.nLayer &&
    x.nHead === y.nHead &&
    x.nEmbd === y.nEmbd &&
    x.positional === y.positional
  );
}

/**
 * The history that belongs to a model loaded from `dir`: the one exported with it, when it describes these
 * weights. Otherwise, why there is none (a sentence for the dashboard).
 */
export function historyForLoadedModel(dir: string, model: ModelInfo): { history: HistoryFile } | { reason: string } {
  const file = path.join(dir, HISTORY_FILE);
  if (!fs.existsSync(file)) {
    return { reason: l10n.t('No training history came with this model: {0} has no {1} (lmx and exports before this version save none). The curves start with the next run.', dir, HISTORY_FILE) };
  }
  const history = readHistorySync(file);
  if (!history) return { reason: l10n.t('The training history in {0} could not be read ({1} is damaged), so no curves are shown. The curves start with the next run.', dir, HISTORY_FILE) };
  if (!history.model || !sameModel(history.model, model)) {
    return {
      reason: history.model
        ? l10n.t('The training history in {0} belongs to another model (step {1}), not to the one loaded (step {2}), so its curves are not shown.', dir, formatNumber(history.model.step), formatNumber(model.step))
        : l10n.t('The training history in {0} belongs to another model, not to the one loaded (step {1}), so its curves are not shown.', dir, formatNumber(model.step)),
    };
  }
  return { history: { ...history, model } };
}
