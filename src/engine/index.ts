// The engine's public API, for the extension's worker, the CLI and tests. No `vscode` import anywhere below.

export * from './errors';
export * from './tokenizer';
export * from './vocab';
export * from './rng';
export * from './corpus';
export * from './backends';
export * from './model';
export * from './presets';
export * from './training';
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
