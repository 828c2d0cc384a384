// Words and numbers for the training UI: durations, ETAs, rates, the status bar text, the progress
// notification line. Pure functions (unit-tested; also bundled into the dashboard webview).

import * as l10n from '@vscode/l10n';
import { formatCount, formatDuration, formatFixed, formatNumber } from '../../../l10n/format';

/** "about 3m 05s left", or "" when there is no estimate yet. */
export function formatEta(remainingMs: number | undefined): string {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return '';
  if (remainingMs < 1000) return l10n.t('almost done');
  return l10n.t('{0} left', formatDuration(remainingMs));
}

export function formatRate(tokensPerSecond: number | undefined): string {
  if (tokensPerSecond === undefined || !Number.isFinite(tokensPerSecond)) return '—';
  if (tokensPerSecond >= 10_000) return l10n.t('{0} tok/s', formatCount(tokensPerSecond >= 1e6 ? tokensPerSecond : Math.round(tokensPerSecond / 100) * 100));
  return l10n.t('{0} tok/s', formatNumber(Math.round(tokensPerSecond)));
}

export function formatLoss(loss: number | undefined): string {
  return loss === undefined || !Number.isFinite(loss) ? '—' : formatFixed(loss, 2);
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
      return `$(circle-outline) ${l10n.t('LM: no model')}`;
    case 'preparing':
      return `$(sync~spin) ${l10n.t('LM: preparing')}`;
    case 'training': {
      const training = l10n.t('LM: training {0}%', percent(state.step, state.steps));
      return `$(sync~spin) ${state.loss !== undefined ? `${training} ${l10n.t('loss {0}', formatLoss(state.loss))}` : training}`;
    }
    case 'ready': {
      const parts = [`$(check) ${l10n.t('LM: ready')}`];
      if (state.step !== undefined) parts.push(l10n.t('step {0}', formatNumber(state.step)));
      if (state.valLoss !== undefined) parts.push(l10n.t('val {0}', formatLoss(state.valLoss)));
      else if (state.loss !== undefined) parts.push(l10n.t('loss {0}', formatLoss(state.loss)));
      return parts.join(' · ');
    }
    case 'error':
      return `$(error) ${l10n.t('LM: error')}`;
  }
}

/**
 * The kept model in words (the status bar's tooltip, the dashboard's model card): "The kept model is from
 * step 400, validation loss 6.70: the best validation of its run, the one the features use. Resume
 * continues from the latest state (step 640)."
 */
export function keptModelText(state: { step?: number; valLoss?: number; best?: boolean; latestStep?: number }): string {
  if (state.step === undefined) return state.valLoss !== undefined ? l10n.t('Validation loss {0}.', formatLoss(state.valLoss)) : '';
  const step = formatNumber(state.step);
  const val = state.valLoss !== undefined ? formatLoss(state.valLoss) : undefined;
  if (!state.best) return val !== undefined ? l10n.t('The model is from step {0}, validation loss {1}.', step, val) : l10n.t('The model is from step {0}.', step);
  const kept =
    val !== undefined
      ? l10n.t('The kept model is from step {0}, validation loss {1}: the best validation of its run, the one the features use.', step, val)
      : l10n.t('The kept model is from step {0}: the best validation of its run, the one the features use.', step);
  const resume =
    state.latestStep !== undefined && state.latestStep !== state.step
      ? l10n.t('Resume continues from the latest state (step {0}).', formatNumber(state.latestStep))
      : l10n.t('Resume continues from the latest state.');
  return `${kept} ${resume}`;
}

/** One line for the progress notification: "step 120/400 · loss 2.31 · 1,234 tok/s · 1m 20s left". */
export function progressLine(p: { step: number; steps: number; loss: number; valLoss?: number; tokensPerSecond: number; remainingMs?: number }): string {
  const parts = [l10n.t('step {0}/{1}', formatNumber(p.step), formatNumber(p.steps)), l10n.t('loss {0}', formatLoss(p.loss))];
  if (p.valLoss !== undefined) parts.push(l10n.t('val {0}', formatLoss(p.valLoss)));
  parts.push(formatRate(p.tokensPerSecond));
  const eta = formatEta(p.remainingMs);
  if (eta) parts.push(eta);
  return parts.join(' · ');
}
