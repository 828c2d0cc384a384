// The attention feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const ATTENTION_COMMANDS = ['showAttention'] as const;

export type AttentionCommand = (typeof ATTENTION_COMMANDS)[number];
