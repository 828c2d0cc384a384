// Every feature hands its commands to the extension as a table (name → handler); one loop registers them
// all as `lmExplorer.<name>`, so a feature never registers a command of its own.
// Handlers return a result object rather than only showing UI, so the integration tests (and other
// commands) can read it.

import * as vscode from 'vscode';

export const COMMAND_PREFIX = 'lmExplorer.';

// Command arguments come from menus, key bindings, other extensions and the tests: anything at all.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;

/** A feature's commands: `lmExplorer.<name>` → its handler (package.json's contributes.commands lists the same). */
export type CommandTable<Name extends string = string> = Readonly<Record<Name, CommandHandler>>;

/** Registers every command of the tables; the registrations end with the extension. */
export function registerCommandTables(context: vscode.ExtensionContext, tables: readonly CommandTable[]): void {
  for (const table of tables) {
    for (const [name, handler] of Object.entries(table)) {
      context.subscriptions.push(vscode.commands.registerCommand(`${COMMAND_PREFIX}${name}`, handler));
    }
  }
}
