// The engine's public API, for the extension's worker, the CLI and tests. No `vscode` import anywhere below.

export * from './errors';
export * from './tokenizer';
export * from './vocab';
export * from './rng';
export * from './corpus';
export * from './backend';
export * from './model';
export * from './trainer';
export * from './generate';
export * from './safetensors';
export * from './checkpoint';
export * from './runSettings';
export * from './trainingPlan';
export * from './runCorpus';
export * from './copyDetection';
export * from './trainingRun';
export * from './memory';
export * from './sampling/index';
