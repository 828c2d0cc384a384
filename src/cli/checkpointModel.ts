// What generate and attention share: a checkpoint loaded, and a text as the model's input.

import { initBackend, type BackendName } from '../engine/backends';
import { loadCheckpoint } from '../engine/checkpoint';
import { Vocabulary } from '../engine/vocab';

/** Model IDs for a prompt: an empty prompt is the start of a document (<sep>); the last contextLength kept. */
export function promptIds(vocab: Vocabulary, text: string, contextLength: number): { ids: number[]; unknown: number; cut: number } {
  let ids = vocab.encode(text);
  // an imported tokenizer's ID 0 is a token like any other
  const unknown = vocab.hf ? 0 : ids.filter((id) => id === Vocabulary.UNK).length;
  if (ids.length === 0) ids = [vocab.documentStart];
  const cut = Math.max(0, ids.length - contextLength);
  return { ids: cut ? ids.slice(cut) : ids, unknown, cut };
}

/** Loads a checkpoint, starting the backend only once its files have been checked. */
export async function loadModel(dir: string, backendName: BackendName) {
  return loadCheckpoint(dir, { beforeModel: () => initBackend(backendName) });
}
