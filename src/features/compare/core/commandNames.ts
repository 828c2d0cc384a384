// The compare feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const COMPARE_COMMANDS = ['compareAttention'] as const;

export type CompareCommand = (typeof COMPARE_COMMANDS)[number];
