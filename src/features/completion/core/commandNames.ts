// The completion feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const COMPLETION_COMMANDS = ['toggleCompletions', 'showNextTokenProbabilities'] as const;

export type CompletionCommand = (typeof COMPLETION_COMMANDS)[number];
