// The top of the dashboard: the title, the model's status and the buttons, the run's progress bar, its
// figures (step, losses, kept model, rate, time) and the message it stopped with.

import { formatCount, formatDuration, formatNumber } from '../../src/l10n/format';
import { formatLoss, percent, type ModelState } from '../../src/features/training/core/trainingFormat';
import type { DashboardCommand, DashboardState } from '../../src/features/training/protocol';
import { button, setEnabled, setText, tag } from '../components/index';
import { el } from './dom';
import type { PageData } from './pageState';
import { strings } from './strings';

function statusLabel(s: ModelState): string {
  switch (s.kind) {
    case 'none':
      return strings.status.none;
    case 'preparing':
      return strings.status.preparing(s.message);
    case 'training':
      return strings.status.training(percent(s.step, s.steps));
    case 'ready':
      return [
        strings.status.ready,
        ...(s.step !== undefined ? [strings.status.step(s.step)] : []),
        ...(s.valLoss !== undefined ? [strings.status.validation(formatLoss(s.valLoss))] : []),
      ].join(' · ');
    case 'error':
      return strings.status.error;
  }
}

function stoppedText(by: NonNullable<DashboardState['run']>['stoppedBy']): string {
  switch (by) {
    case 'steps':
    case 'time':
    case 'cancel':
    case 'error':
    case 'early-stop':
    case 'diverged':
      return strings.stopped[by];
    default:
      return '—';
  }
}

export class RunHeader {
  /** The header, the progress bar, the stop message and the figures, in the page's order. */
  readonly elements: HTMLElement[];
  readonly stopMessage = el('p', 'stop-message');
  private readonly statusTag = tag(strings.status.none);
  private readonly progressTrack = el('div', 'progress-track');
  private readonly progressFill = el('div', 'progress-fill');
  private readonly statsRow = el('div', 'stats');
  private readonly buttons: Record<'train' | 'resume' | 'cancel' | 'export' | 'load' | 'reset', HTMLElement>;
  private readonly stepValue: HTMLElement;
  private readonly lossValue: HTMLElement;
  private readonly valValue: HTMLElement;
  private readonly keptValue: HTMLElement;
  private readonly rateValue: HTMLElement;
  private readonly elapsedValue: HTMLElement;
  private readonly remainingValue: HTMLElement;

  constructor(
    private readonly data: PageData,
    command: (name: DashboardCommand) => () => void,
  ) {
    const header = el('header');
    this.statusTag.id = 'status';
    const B = strings.buttons;
    this.buttons = {
      train: button(B.train, { onClick: command('train'), title: B.trainTitle, id: 'train' }),
      resume: button(B.resume, { appearance: 'secondary', onClick: command('resume'), title: B.resumeTitle, id: 'resume' }),
      cancel: button(B.cancel, { appearance: 'secondary', onClick: command('cancel'), title: B.cancelTitle, id: 'cancel' }),
      export: button(B.export, { appearance: 'secondary', onClick: command('export'), title: B.exportTitle }),
      load: button(B.load, { appearance: 'secondary', onClick: command('load'), title: B.loadTitle }),
      reset: button(B.reset, { appearance: 'secondary', onClick: command('reset'), title: B.resetTitle }),
    };
    const settings = button(B.settings, { appearance: 'secondary', onClick: command('settings'), title: B.settingsTitle });
    const buttons = el('div', 'buttons');
    buttons.append(...Object.values(this.buttons), settings);
    header.append(el('h1', undefined, strings.title), this.statusTag, buttons);

    this.progressTrack.append(this.progressFill);
    this.progressTrack.setAttribute('role', 'progressbar');
    this.progressTrack.setAttribute('aria-valuemin', '0');
    this.progressTrack.setAttribute('aria-valuemax', '100');

    this.stepValue = this.stat(strings.stats.step, 'step');
    this.lossValue = this.stat(strings.stats.trainLoss, 'loss');
    this.valValue = this.stat(strings.stats.validationLoss, 'val');
    this.keptValue = this.stat(strings.stats.kept, 'kept');
    this.rateValue = this.stat(strings.stats.rate, 'rate');
    this.elapsedValue = this.stat(strings.stats.elapsed, 'elapsed');
    this.remainingValue = this.stat(strings.stats.remaining, 'remaining');

    this.stopMessage.id = 'stop-message';
    this.stopMessage.setAttribute('role', 'status');
    this.elements = [header, this.progressTrack, this.stopMessage, this.statsRow];
  }

  private stat(label: string, id: string): HTMLElement {
    const box = el('div', 'stat');
    box.id = `stat-${id}`;
    const value = el('div', 'stat-value', '—');
    box.append(value, el('div', 'stat-label', label));
    this.statsRow.append(box);
    return value;
  }

  renderStatus(): void {
    const { state } = this.data;
    const s = state.status;
    setText(this.statusTag, statusLabel(s));
    this.statusTag.dataset.kind = s.kind;
    const busy = s.kind === 'training' || s.kind === 'preparing';
    const hasModel = !!state.model || s.kind === 'ready';
    setEnabled(this.buttons.train, !busy);
    setEnabled(this.buttons.resume, !busy && hasModel);
    setEnabled(this.buttons.cancel, busy);
    setEnabled(this.buttons.export, !busy && hasModel);
    setEnabled(this.buttons.load, !busy);
    setEnabled(this.buttons.reset, hasModel);
  }

  renderRun(): void {
    const { state } = this.data;
    const run = state.run;
    const last = state.points[state.points.length - 1];
    const lastVal = this.data.lastValLoss();
    const f = this.data.unitFactors();
    const bits = this.data.shownUnit() === 'bpb';
    setText(this.lossValue.nextElementSibling as HTMLElement, bits ? strings.stats.trainLossBitsPerByte : strings.stats.trainLoss);
    setText(this.valValue.nextElementSibling as HTMLElement, bits ? strings.stats.validationLossBitsPerByte : strings.stats.validationLoss);
    setText(this.stepValue, run ? `${formatNumber(run.step)} / ${formatNumber(run.steps)}` : state.model ? formatNumber(state.model.step) : '—');
    setText(this.lossValue, formatLoss(last ? last.loss * f.train : undefined));
    setText(this.valValue, formatLoss(lastVal !== undefined ? lastVal * f.val : undefined));
    setText(this.keptValue, this.data.keptLabel() || '—');
    this.keptValue.parentElement!.title = this.data.keptIsBest() ? strings.stats.keptBestTitle : strings.stats.keptTitle;
    const rate = run?.tokensPerSecond ?? last?.tokensPerSecond;
    setText(this.rateValue, rate !== undefined ? formatCount(rate >= 10_000 && rate < 1e6 ? Math.round(rate / 100) * 100 : rate) : '—');
    setText(this.elapsedValue, run ? formatDuration(run.elapsedMs) : '—');
    const training = state.status.kind === 'training';
    setText(this.remainingValue, training ? formatDuration(run?.remainingMs) : run?.stoppedBy ? stoppedText(run.stoppedBy) : '—');
    const pct = run ? percent(run.step, run.steps) : 0;
    this.progressFill.style.width = `${pct}%`;
    this.progressTrack.setAttribute('aria-valuenow', String(pct));
    this.progressTrack.classList.toggle('active', training);
    const message = !training && run?.message ? run.message : '';
    setText(this.stopMessage, message);
    this.stopMessage.hidden = !message;
    this.stopMessage.dataset.stoppedBy = run?.stoppedBy ?? '';
  }

  stopMessageText(): string {
    return this.stopMessage.hidden ? '' : (this.stopMessage.textContent ?? '');
  }
}
