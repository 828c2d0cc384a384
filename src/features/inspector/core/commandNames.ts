// The inspector feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const INSPECTOR_COMMANDS = ['openInspector', 'showEmbeddings', 'showNearestTokens', 'showAnalogies', 'showArchitecture', 'showTrainingChanges'] as const;

export type InspectorCommand = (typeof INSPECTOR_COMMANDS)[number];
