// The training feature's commands, by name (registered as `lmExplorer.<name>`): its index.ts gives each a
// handler, and test/unit/contributes.test.ts checks package.json declares the same.

export const TRAINING_COMMANDS = ['train', 'resumeTraining', 'cancelTraining', 'resetModel', 'exportModel', 'loadModel', 'showDashboard'] as const;

export type TrainingCommand = (typeof TRAINING_COMMANDS)[number];
