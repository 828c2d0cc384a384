// What the training dashboard holds and what it reads out of it, without the DOM: the host's state, the
// page's own choices, and the figures the cards draw from them (the model's kind, the unit the loss is shown
// in, the kept model, the accuracy curves of an encoder). The page's modules render from one PageData; a
// unit test builds one in plain Node.

import { formatLoss } from '../../src/features/training/core/trainingFormat';
import { bitsPerByteFactors } from '../../src/features/training/core/trainingInsights';
import type { DashboardState, DashboardToWebview, DashboardView, LossPoint, LossUnit, SampleView } from '../../src/features/training/protocol';
import type { BestModelInfo } from '../../src/worker/engine/protocol';
import { formatNumber } from '../../src/l10n/format';
import { strings } from './strings';

/** What the page keeps with vscode.setState: the host's state and the page's own choices. */
export interface PageState {
  data: DashboardState;
  view: DashboardView;
}

/** How many samples the page keeps (the host keeps as many). */
const MAX_SAMPLES = 40;

/** An encoder's accuracy at the masked positions, as the accuracy chart draws it. */
export interface AccuracyCurves {
  steps: number[];
  /** Per step: the training batch's accuracy (null where a point has none). */
  train: (number | null)[];
  /** Per step: the validation accuracy with the fixed mask, at the evaluations (null elsewhere). */
  val: (number | null)[];
  /** The latest training reading and the latest and the highest validation readings, with their steps. */
  lastTrain?: { step: number; value: number };
  lastVal?: { step: number; value: number };
  bestVal?: { step: number; value: number };
}

export class PageData {
  state: DashboardState;
  view: DashboardView;

  constructor(saved: Partial<PageState> | undefined) {
    this.state = saved?.data?.points ? saved.data : { status: { kind: 'none' }, points: [], samples: [] };
    this.view = saved?.view?.unit ? saved.view : (this.state.view ?? { unit: 'nats' });
  }

  /** What vscode.setState keeps. */
  saved(): PageState {
    return { data: this.state, view: this.view };
  }

  /**
   * Whether the model is an encoder (a masked-language model). The model's configuration says so once it is
   * known; before (a run that has only started) its masked row or its accuracy readings do.
   */
  isEncoder(): boolean {
    const model = this.state.model;
    if (model) return model.config.kind === 'encoder';
    return this.state.run?.masking !== undefined || this.state.points.some((p) => p.accuracy !== undefined);
  }

  /** The byte counts that convert the loss to bits per byte; undefined without them, and for an encoder. */
  bitsPerByte(): { train: number; val: number } | undefined {
    // An encoder's loss is per masked token: only the chosen positions count, so it says nothing per byte of text.
    return this.isEncoder() ? undefined : bitsPerByteFactors(this.state.corpus?.tokens);
  }

  /** The units the unit choice offers: both for a decoder; none for an encoder, whose loss is per masked token. */
  unitChoices(): LossUnit[] {
    return this.isEncoder() ? [] : ['nats', 'bpb'];
  }

  /** The unit the loss is shown in: bits per byte only when chosen, offered and the corpus's byte counts are known. */
  shownUnit(): LossUnit {
    return this.view.unit === 'bpb' && this.bitsPerByte() ? 'bpb' : 'nats';
  }

  /** Factors from nats per token to the unit shown, for the training and the validation part. */
  unitFactors(): { train: number; val: number } {
    return (this.shownUnit() === 'bpb' ? this.bitsPerByte() : undefined) ?? { train: 1, val: 1 };
  }

  /** The vocabulary size of the model (or, before there is one, of the corpus). */
  vocabSize(): number | undefined {
    return this.state.model?.config.vocabSize ?? this.state.corpus?.tokens?.vocabSize;
  }

  /** Whether the engine's kept model is its best-validation one. */
  keptIsBest(): boolean {
    return !!(this.state.model?.best ?? this.state.run?.best);
  }

  /**
   * The model the features use: the engine's kept model (the best validation of its run); without one (a
   * model from before the engine kept its best, or loaded from elsewhere), the model as it is, once no run is going.
   */
  keptModel(): BestModelInfo | { step: number; valLoss?: number } | undefined {
    const best = this.state.model?.best ?? this.state.run?.best;
    if (best) return best;
    const m = this.state.model;
    if (!m || this.state.status.kind === 'training' || this.state.status.kind === 'preparing') return undefined;
    const at = this.state.points.find((p) => p.step === m.step && p.valLoss !== undefined)?.valLoss ?? m.valLoss;
    return { step: m.step, ...(at !== undefined ? { valLoss: at } : {}) };
  }

  /** "step 120 · val 2.31" in the unit shown ('' when no model is kept yet). */
  keptLabel(): string {
    const k = this.keptModel();
    if (!k) return '';
    const val = k.valLoss !== undefined ? ` · ${strings.model.keptValidation(formatLoss(k.valLoss * this.unitFactors().val))}` : '';
    return `${strings.model.keptStep(k.step)}${val}`;
  }

  /**
   * Steps the model has been trained: the run's latest step (the model card said "trained steps 0" all through a
   * first run, showing the step the model was built at). The model's own step is the kept model's, which may be
   * earlier; without a run (a model loaded without its history) it is all there is.
   */
  trainedStepsText(): string {
    const step = this.state.run?.step ?? this.state.model?.step;
    return step !== undefined ? formatNumber(step) : '—';
  }

  /** The latest validation loss: of the curves, else the model's. */
  lastValLoss(): number | undefined {
    const points = this.state.points;
    for (let i = points.length - 1; i >= 0; i--) if (points[i].valLoss !== undefined) return points[i].valLoss;
    return this.state.model?.valLoss;
  }

  /** An encoder's accuracy at the masked positions, training and validation, over the steps. */
  accuracyCurves(): AccuracyCurves {
    const points = this.state.points;
    const curves: AccuracyCurves = { steps: points.map((p) => p.step), train: points.map((p) => p.accuracy ?? null), val: points.map((p) => p.valAccuracy ?? null) };
    for (const p of points) {
      if (p.accuracy !== undefined && Number.isFinite(p.accuracy)) curves.lastTrain = { step: p.step, value: p.accuracy };
      if (p.valAccuracy === undefined || !Number.isFinite(p.valAccuracy)) continue;
      curves.lastVal = { step: p.step, value: p.valAccuracy };
      if (!curves.bestVal || p.valAccuracy > curves.bestVal.value) curves.bestVal = { step: p.step, value: p.valAccuracy };
    }
    return curves;
  }

  /** Takes one message from the host into the state (the page then draws the parts it touches). */
  apply(msg: Exclude<DashboardToWebview, { type: 'selfCheck' }>): void {
    switch (msg.type) {
      case 'state':
        this.state = msg.state;
        if (msg.state.view) this.view = msg.state.view;
        return;
      case 'progress':
        this.state.points = mergePoints(this.state.points, msg.points);
        this.state.run = msg.run;
        this.state.status = msg.status;
        if (this.state.model && msg.run.best) this.state.model = { ...this.state.model, best: msg.run.best };
        return;
      case 'plan':
        this.state.plan = msg.plan;
        return;
      case 'sample':
        this.state.samples = addSample(this.state.samples, msg.sample);
        return;
      case 'status':
        this.state.status = msg.status;
        return;
      case 'model':
        this.state.model = msg.model;
        return;
      case 'corpus':
        this.state.corpus = msg.corpus;
        return;
    }
  }
}

/** Appends points, dropping any at or before a step already drawn (a resumed run restarts the x axis). */
export function mergePoints(points: LossPoint[], added: LossPoint[]): LossPoint[] {
  if (added.length === 0) return points;
  const first = added[0].step;
  const kept = points.length && points[points.length - 1].step >= first ? points.filter((p) => p.step < first) : points;
  return [...kept, ...added];
}

function addSample(samples: SampleView[], sample: SampleView): SampleView[] {
  return [...samples.filter((s) => s.step !== sample.step), sample].slice(-MAX_SAMPLES);
}
