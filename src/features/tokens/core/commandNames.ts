// The tokens feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const TOKENS_COMMANDS = ['showTokenIds', 'clearTokenIds', 'toggleTokenWhitespace', 'switchEncoding', 'checkContextFit'] as const;

export type TokensCommand = (typeof TOKENS_COMMANDS)[number];
