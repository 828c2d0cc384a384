// Attention maps of a text for any model the worker can reach: the one it holds (request 'attention') or a
// second model read from a checkpoint folder (request 'folderAttention', Compare Causal and Bidirectional),
// kept beside the workspace model. One such folder model at a time: asking for another folder, or for the same
// folder after its files changed, disposes the previous one's tensors before the next is loaded.

import { promises as fs } from 'fs';
import * as path from 'path';
import { CHECKPOINT_FILES } from '../../engine/modelFolder';
import { loadCheckpoint, UserError, type GPT, type Vocabulary } from '../../engine/index';
import { modelKind } from '../../engine/model';
import type { AttentionResult, FolderAttentionParams, FolderAttentionResult, FolderModelInfo, ModelToken } from './protocol';

/** What attention needs of a model: the network and its vocabulary. */
export interface AttentionModel {
  model: GPT;
  vocab: Vocabulary;
}

/**
 * The attention of `text` through `h`: its tokens (each with its range in the text), cut to the last
 * `maxTokens` (at most the context length), and every layer's and head's maps, packed or nested.
 */
export async function modelAttention(
  h: AttentionModel,
  params: { text: string; maxTokens?: number; packed?: boolean },
  token: (id: number) => ModelToken,
): Promise<AttentionResult> {
  const { text, maxTokens, packed } = params;
  const max = Math.max(1, Math.min(maxTokens ?? h.model.config.contextLength, h.model.config.contextLength));
  // The same tokens as vocab.encode, with where each lies in the text (the panels highlight them).
  const pieces = text ? h.vocab.pieces(text) : [];
  // A token the vocabulary spells in bytes becomes several model tokens, each with the token's range.
  let ids: number[] = [];
  let offsets: { start: number; end: number }[] = [];
  for (const piece of pieces) {
    const before = ids.length;
    h.vocab.appendModelIds(piece.id, ids);
    for (let i = before; i < ids.length; i++) offsets.push({ start: piece.start, end: piece.end });
  }
  if (ids.length === 0) [ids, offsets] = [[h.vocab.documentStart], [{ start: 0, end: 0 }]];
  const totalTokens = ids.length;
  const truncated = totalTokens > max;
  if (truncated) [ids, offsets] = [ids.slice(totalTokens - max), offsets.slice(totalTokens - max)];
  const base = { tokens: ids.map(token), truncated, offsets, totalTokens };
  if (packed) {
    const { nLayer, nHead } = h.model.config;
    return { ...base, attention: [], weights: await h.model.attentionMaps(ids), nLayer, nHead };
  }
  const { attention } = await h.model.attention(ids);
  return { ...base, attention };
}

interface FolderModel extends AttentionModel {
  dir: string;
  /** The files' sizes and times when it was loaded: a save over the folder since then means loading it again. */
  signature: string;
  info: FolderModelInfo;
}

/** The one model read from a folder that the worker keeps beside the workspace model. */
export class FolderModels {
  private current: FolderModel | undefined;
  /** Requests run one after the other: one cannot dispose the model another is still reading. */
  private queue: Promise<unknown> = Promise.resolve();

  /** @param token turns a model ID of a vocabulary into the protocol's token */
  constructor(private readonly token: (vocab: Vocabulary, id: number) => ModelToken) {}

  /**
   * The folder model's attention of the text; a folder of another kind than `kind` is a UserError naming both.
   * `beforeModel` starts the backend once the folder's files are checked (loadCheckpoint's hook).
   */
  attention(params: FolderAttentionParams, beforeModel?: () => unknown): Promise<FolderAttentionResult> {
    return this.exclusive(async () => {
      const held = await this.get(params.dir, beforeModel);
      const kind = modelKind(held.model.config);
      if (params.kind && kind !== params.kind) {
        throw new UserError(`${held.dir} holds ${kind === 'encoder' ? 'an encoder' : 'a decoder'}, not ${params.kind === 'encoder' ? 'an encoder' : 'a decoder'}.`);
      }
      const result = await modelAttention(held, params, (id) => this.token(held.vocab, id));
      return { ...result, model: held.info };
    });
  }

  /** Drops the folder model (its tensors), after the requests before this one. */
  release(): Promise<void> {
    return this.exclusive(async () => this.dispose());
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The model of `dir`, loaded once (and again after its files change); the previous one is disposed first. */
  private async get(dir: string, beforeModel?: () => unknown): Promise<FolderModel> {
    const resolved = path.resolve(dir);
    const signature = await folderSignature(resolved);
    if (this.current && this.current.dir === resolved && this.current.signature === signature) return this.current;
    this.dispose();
    this.current = await this.load(resolved, signature, beforeModel);
    return this.current;
  }

  /** The folder whose model is held, if any. */
  get heldDir(): string | undefined {
    return this.current?.dir;
  }

  dispose(): void {
    this.current?.model.dispose();
    this.current = undefined;
  }

  private async load(dir: string, signature: string, beforeModel?: () => unknown): Promise<FolderModel> {
    const loaded = await loadCheckpoint(dir, beforeModel ? { beforeModel } : {});
    const c = loaded.model.config;
    const info: FolderModelInfo = {
      config: { vocabSize: c.vocabSize, contextLength: c.contextLength, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, positional: c.positional, ...(c.kind ? { kind: c.kind } : {}) },
      tokenizer: loaded.vocab.tokenizer,
      step: loaded.kept?.step ?? loaded.state?.step ?? 0,
      dir,
    };
    return { dir, signature, model: loaded.model, vocab: loaded.vocab, info };
  }
}

/** Sizes and modification times of a folder's model files ('' for a missing one). */
async function folderSignature(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of [CHECKPOINT_FILES.config, CHECKPOINT_FILES.model, CHECKPOINT_FILES.vocab]) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    parts.push(stat ? `${stat.size}:${stat.mtimeMs}` : '');
  }
  return parts.join('|');
}
