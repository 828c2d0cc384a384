// The API's and the tests' waits on a page that reports each drawing ('rendered' with the computation's seq):
// the page loaded, computation `seq` drawn, the redraw after a setView, the answer to a self-check. A
// feature hands every report to receive(), forgets old reports when the page reloads (it draws everything
// again) and rejects every wait when the panel closes.

import { settle, type Waiter } from './waiter';

/** The page's report of a drawing; `selfCheck` marks the answer to a self-check (not a new drawing). */
export interface DrawnReport {
  seq: number;
  selfCheck?: boolean;
}

/** The part of WebviewPanelHost the waits need. */
interface ReportingPage {
  readonly isReady: boolean;
  whenReady(): Promise<void>;
}

/** How many reports are kept (a wait for an older computation than these would wait for a redraw). */
const KEPT_REPORTS = 8;

export class PageReports<Report extends DrawnReport> {
  private readonly reports = new Map<number, Report>();
  private readonly renderWaiters = new Map<number, Waiter<Report>[]>();
  private readonly redrawWaiters: Waiter<Report>[] = [];
  private readonly checkWaiters: Waiter<Report>[] = [];

  /** `name` says whose page it is in the errors ("The attention page did not load."). */
  constructor(
    private readonly page: ReportingPage,
    private readonly name: string,
  ) {}

  whenReady(timeoutMs: number): Promise<void> {
    if (this.page.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The ${this.name} page did not load.`)), timeoutMs);
      void this.page.whenReady().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves with the page's report once it has drawn computation `seq` (undefined: the panel shows nothing). */
  whenRendered(seq: number | undefined, timeoutMs: number): Promise<Report> {
    if (seq === undefined) return Promise.reject(new Error(`The ${this.name} panel shows nothing yet.`));
    const done = this.reports.get(seq);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The ${this.name} page did not draw computation ${seq}.`)), timeoutMs);
      const list = this.renderWaiters.get(seq) ?? [];
      list.push({ resolve, reject, timer });
      this.renderWaiters.set(seq, list);
    });
  }

  /** Posts what makes the page redraw (a setView) and resolves with its next report; `shows`: the panel shows something. */
  redraw(shows: boolean, post: () => void, timeoutMs: number): Promise<Report> {
    if (!this.page.isReady || !shows) return Promise.reject(new Error(`The ${this.name} panel shows nothing yet.`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The ${this.name} page did not redraw.`)), timeoutMs);
      this.redrawWaiters.push({ resolve, reject, timer });
      post();
    });
  }

  /** Posts the self-check and resolves with the page's answer. */
  selfCheck(post: () => void, timeoutMs: number): Promise<Report> {
    if (!this.page.isReady) return Promise.reject(new Error(`The ${this.name} panel is not open.`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The ${this.name} page did not answer the self-check.`)), timeoutMs);
      this.checkWaiters.push({ resolve, reject, timer });
      post();
    });
  }

  /** A report from the page: settles the waits it answers. */
  receive(report: Report): void {
    if (report.selfCheck) {
      this.checkWaiters.splice(0).forEach((w) => settle(w, undefined, report));
      return;
    }
    this.reports.set(report.seq, report);
    if (this.reports.size > KEPT_REPORTS) this.reports.delete(this.reports.keys().next().value!);
    const waiters = this.renderWaiters.get(report.seq);
    if (waiters) {
      this.renderWaiters.delete(report.seq);
      waiters.forEach((w) => settle(w, undefined, report));
    }
    this.redrawWaiters.splice(0).forEach((w) => settle(w, undefined, report));
  }

  /** A (re)loaded page draws everything again: its new reports are waited for. */
  forgetReports(): void {
    this.reports.clear();
  }

  /** The panel closed: every wait fails. */
  rejectAll(): void {
    const error = new Error(`The ${this.name} panel was closed.`);
    for (const list of this.renderWaiters.values()) list.forEach((w) => settle(w, error));
    this.renderWaiters.clear();
    for (const list of [this.redrawWaiters, this.checkWaiters]) list.splice(0).forEach((w) => settle(w, error));
  }
}
