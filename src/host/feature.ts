// What a feature gets from the extension and what it gives back: every feature's index.ts exports
// `register(ctx)`, which builds the feature, hands its disposables to ctx.extension.subscriptions and
// returns its command table and its part of the API object.

import type * as vscode from 'vscode';
import type { CommandTable } from './commands';
import type { Notifier } from './notifier';

/** The services every feature shares (made once by extension.ts). */
export interface HostContext {
  extension: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  notify: Notifier;
}

/** A registered feature: its commands (registered by extension.ts) and its part of the API. */
export interface Registered<Api> {
  commands: CommandTable;
  api: Api;
}
