// The model sizes a run can ask for, with no TensorFlow.js import: the extension host's settings, the worker
// protocol and the CLI read them without loading an engine.

import type { GPTConfig } from './model';

export const PRESET_NAMES = ['tiny', 'small', 'medium'] as const;

export type PresetName = (typeof PRESET_NAMES)[number];

/** A preset, or `auto`: chosen from the size of the corpus (trainingPlan.ts). */
export type PresetSetting = 'auto' | PresetName;

/** The values of a preset setting or option: `auto`, then each preset. */
export const PRESET_SETTINGS: readonly PresetSetting[] = ['auto', ...PRESET_NAMES];

export const PRESETS: Record<PresetName, Omit<GPTConfig, 'vocabSize'>> = {
  tiny: { contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 64, positional: 'learned' },
  small: { contextLength: 128, nLayer: 4, nHead: 4, nEmbd: 128, positional: 'learned' },
  medium: { contextLength: 256, nLayer: 6, nHead: 6, nEmbd: 384, positional: 'learned' },
};
