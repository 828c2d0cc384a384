// The dropout rate of a training run: its default and its check, in a module without TensorFlow.js, so
// that the extension host's settings (config.ts) use the same ones as the engine without loading it.
//
// Why dropout by default: a folder of notes is small, and a model trained on it without regularisation
// memorises it (training loss falls towards 0 while validation loss rises past a uniform guess). Dropping a
// share of the activations at random on every step keeps it from relying on any one path through the
// network, so validation loss keeps falling for longer. nanoGPT uses 0.2 for its small Shakespeare runs.

/** The dropout rate of training steps when none is set (TrainOptions.dropout, `--dropout`, the setting). */
export const DEFAULT_DROPOUT = 0.2;

/** Whether p is a dropout rate: a number with 0 ≤ p < 1 (1 would drop everything). */
export function isDropoutRate(p: unknown): p is number {
  return typeof p === 'number' && p >= 0 && p < 1;
}
