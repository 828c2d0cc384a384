// A pending answer from the page: resolved or rejected once, its timeout cleared either way.

export type Waiter<T> = { resolve(value: T): void; reject(error: Error): void; timer: NodeJS.Timeout };

export function settle<T>(w: Waiter<T>, error?: Error, value?: T): void {
  clearTimeout(w.timer);
  if (error) w.reject(error);
  else w.resolve(value as T);
}
