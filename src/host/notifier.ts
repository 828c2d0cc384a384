// The one way LM Explorer tells the user something: each message is shown and remembered, so the
// extension's API (messages.last/all) can say what the user was told.

import * as vscode from 'vscode';

export interface Message {
  level: 'info' | 'warning' | 'error';
  text: string;
}

const KEPT_MESSAGES = 50;

/** Shows messages and remembers them (the tests read what the user was told). */
export class Notifier {
  private readonly log: Message[] = [];

  /** Resolves with the action the user picked, if any. */
  info<A extends string>(text: string, ...actions: A[]): Thenable<A | undefined> {
    this.push({ level: 'info', text });
    return vscode.window.showInformationMessage(text, ...actions);
  }

  warn<A extends string>(text: string, ...actions: A[]): Thenable<A | undefined> {
    this.push({ level: 'warning', text });
    return vscode.window.showWarningMessage(text, ...actions);
  }

  error<A extends string>(text: string, ...actions: A[]): Thenable<A | undefined> {
    this.push({ level: 'error', text });
    return vscode.window.showErrorMessage(text, ...actions);
  }

  /** A modal question (a warning): resolves with the action picked, undefined when dismissed. */
  ask<A extends string>(text: string, ...actions: A[]): Thenable<A | undefined> {
    this.push({ level: 'warning', text });
    return vscode.window.showWarningMessage(text, { modal: true }, ...actions);
  }

  last(): Message | undefined {
    return this.log[this.log.length - 1];
  }

  all(): readonly Message[] {
    return this.log;
  }

  private push(message: Message): void {
    this.log.push(message);
    if (this.log.length > KEPT_MESSAGES) this.log.shift();
  }
}
