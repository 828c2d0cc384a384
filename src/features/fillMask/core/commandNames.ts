// The fillMask feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const FILL_MASK_COMMANDS = ['predictMaskedWord'] as const;

export type FillMaskCommand = (typeof FILL_MASK_COMMANDS)[number];
