// Words and numbers for the training UI: durations, ETAs, rates, the status bar text, the progress
// notification line. Pure functions (unit-tested; also bundled into the dashboard webview).

import { formatCount, formatDuration } from '../../../l10n/format';

/** "about 3m 05s left", or "" when there is no estimate yet. */
export function formatEta(remainingMs: number | undefined): string {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return '';
  if (remainingMs < 1000) return 'almost done';
  return `${formatDuration(remainingMs)} left`;
}

export function formatRate(tokensPerSecond: number | undefined): string {
  if (tokensPerSecond === undefined || !Number.isFinite(tokensPerSecond)) return '—';
  if (tokensPerSecond >= 10_000) return `${formatCount(tokensPerSecond >= 1e6 ? tokensPerSecond : Math.round(tokensPerSecond / 100) * 100)} tok/s`;
  return `${Math.round(tokensPerSecond).toLocaleString('en-US')} tok/s`;
}

export function formatLoss(loss: number | undefined): string {
  return loss === undefined || !Number.isFinite(loss) ? '—' : loss.toFixed(2);
}

export function percent(step: number, steps: number): number {
  if (!(steps > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((100 * step) / steps)));
}

/** The model's state, as the status bar and the dashboard show it. */
export type ModelState =
  | { kind: 'none' }
  | { kind: 'preparing'; message: string }
  | { kind: 'training'; step: number; steps: number; loss?: number; valLoss?: number; remainingMs?: number }
  /**
   * `step` and `valLoss` are the kept model's: with `best`, the best-validation model of its run, which the
   * features use; `latestStep` is where Resume continues from when that is later.
   */
  | { kind: 'ready'; step?: number; valLoss?: number; loss?: number; best?: boolean; latestStep?: number }
  | { kind: 'error'; message: string };

/** Status bar text (with a codicon). */
export function statusBarText(state: ModelState): string {
  switch (state.kind) {
    case 'none':
      return '$(circle-outline) LM: no model';
    case 'preparing':
      return '$(sync~spin) LM: preparing';
    case 'training': {
      const loss = state.loss !== undefined ? ` loss ${formatLoss(state.loss)}` : '';
      return `$(sync~spin) LM: training ${percent(state.step, state.steps)}%${loss}`;
    }
    case 'ready': {
      const parts = ['$(check) LM: ready'];
      if (state.step !== undefined) parts.push(`step ${state.step}`);
      if (state.valLoss !== undefined) parts.push(`val ${formatLoss(state.valLoss)}`);
      else if (state.loss !== undefined) parts.push(`loss ${formatLoss(state.loss)}`);
      return parts.join(' · ');
    }
    case 'error':
      return '$(error) LM: error';
  }
}

/**
 * The kept model in words (the status bar's tooltip, the dashboard's model card): "The kept model is from
 * step 400, validation loss 6.70: the best validation of its run, the one the features use. Resume
 * continues from the latest state (step 640)."
 */
export function keptModelText(state: { step?: number; valLoss?: number; best?: boolean; latestStep?: number }): string {
  if (state.step === undefined) return state.valLoss !== undefined ? `Validation loss ${formatLoss(state.valLoss)}.` : '';
  const val = state.valLoss !== undefined ? `, validation loss ${formatLoss(state.valLoss)}` : '';
  if (!state.best) return `The model is from step ${state.step}${val}.`;
  const latest = state.latestStep !== undefined && state.latestStep !== state.step ? ` (step ${state.latestStep})` : '';
  return `The kept model is from step ${state.step}${val}: the best validation of its run, the one the features use. Resume continues from the latest state${latest}.`;
}

/** One line for the progress notification: "step 120/400 · loss 2.31 · 1,234 tok/s · 1m 20s left". */
export function progressLine(p: { step: number; steps: number; loss: number; valLoss?: number; tokensPerSecond: number; remainingMs?: number }): string {
  const parts = [`step ${p.step}/${p.steps}`, `loss ${formatLoss(p.loss)}`];
  if (p.valLoss !== undefined) parts.push(`val ${formatLoss(p.valLoss)}`);
  parts.push(formatRate(p.tokensPerSecond));
  const eta = formatEta(p.remainingMs);
  if (eta) parts.push(eta);
  return parts.join(' · ');
}
