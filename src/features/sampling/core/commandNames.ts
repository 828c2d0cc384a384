// The sampling feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const SAMPLING_COMMANDS = ['openSamplingLab', 'showTokenSurprise', 'showTokenSurpriseValidation', 'hideTokenSurprise'] as const;

export type SamplingCommand = (typeof SAMPLING_COMMANDS)[number];
