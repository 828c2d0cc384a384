// Debounce with "last request wins": a newer request cancels the older ones, which then resolve to nothing.

import type { CancellationTokenLike } from '../../../worker/engine/client';

export interface Ticket {
  readonly id: number;
  /** False once a newer request has begun. */
  isCurrent(): boolean;
}

/**
 * Debounce where the latest request wins: begin() starts a request (superseding every earlier one) and
 * settle(ticket, ms, token) waits; it resolves false at once when the ticket is superseded or the token is
 * cancelled, true when the time passed undisturbed.
 */
export class LastWins {
  private seq = 0;
  private readonly waiting = new Set<{ id: number; done(ok: boolean): void }>();

  begin(): Ticket {
    const id = ++this.seq;
    for (const w of [...this.waiting]) if (w.id < id) w.done(false);
    return { id, isCurrent: () => id === this.seq };
  }

  settle(ticket: Ticket, ms: number, token?: CancellationTokenLike): Promise<boolean> {
    if (!ticket.isCurrent() || token?.isCancellationRequested) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let sub: { dispose(): unknown } | undefined;
      const entry = {
        id: ticket.id,
        done: (ok: boolean) => {
          if (!this.waiting.delete(entry)) return;
          clearTimeout(timer);
          sub?.dispose();
          resolve(ok && ticket.isCurrent() && !token?.isCancellationRequested);
        },
      };
      const timer = setTimeout(() => entry.done(true), ms);
      this.waiting.add(entry);
      sub = token?.onCancellationRequested(() => entry.done(false));
    });
  }

  /** Supersedes everything (on dispose). */
  cancelAll(): void {
    this.begin();
  }
}
