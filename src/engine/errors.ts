// Errors meant for a person: the message is one clear line saying what is wrong and, where it helps, what to
// do. The CLI prints a UserError's message alone (exit code 2) and the extension shows it as it is; any other
// error is a bug and keeps its stack trace.

export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of anything thrown, on one line. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).join(' ');
}
