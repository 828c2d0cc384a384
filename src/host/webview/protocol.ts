// What every webview protocol shares: a message is an object with a string `type`, and each protocol
// (src/features/<name>/protocol.ts) gives one guard per message of each direction. No `vscode` import:
// the pages bundle this file too.

/** Any message between the extension and a page. */
export interface WebviewMessage {
  type: string;
}

/** A message's fields, as received (not yet checked). */
export type Fields = Readonly<Record<string, unknown>>;

/** One guard per message type of a direction: whether a received message of that type has its fields. */
export type MessageGuards<M extends WebviewMessage> = { readonly [T in M['type']]: (message: Fields) => boolean };

/** Whether a value looks like a message (an object with a string `type`). */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  return isObject(value) && typeof value.type === 'string';
}

/** The guard of a whole direction, from its guards per message: unknown types and bad fields fail. */
export function messageGuard<M extends WebviewMessage>(guards: MessageGuards<M>): (value: unknown) => value is M {
  const byType: Readonly<Record<string, (message: Fields) => boolean>> = guards;
  return (value: unknown): value is M =>
    isWebviewMessage(value) && Object.prototype.hasOwnProperty.call(byType, value.type) && byType[value.type](value as unknown as Fields);
}

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

export function isOptional<T>(value: unknown, check: (value: unknown) => value is T): boolean {
  return value === undefined || check(value);
}

export function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}
