// Which tokenizer the `lmExplorer.tokens.encoding` setting means now: a GPT encoding, or the trained
// model's own vocabulary (read from <modelDir>/vocab.json), falling back to o200k_base with a reason.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import type { EncodingSetting } from '../../../config/settings';
import type { EncodingName, TokenizerName } from '../../../engine/tokenizer';
import { Vocabulary } from '../../../engine/vocab';


export interface ResolvedEncoding {
  setting: EncodingSetting;
  /** The tokenizer that cuts the text. */
  tokenizer: TokenizerName;
  /** The model's vocabulary when `setting` is 'model' and a model exists: IDs are shown as model IDs. */
  vocab?: Vocabulary;
  /** How to name it to a person: "o200k_base", "model (o200k_base, 812 tokens)". */
  label: string;
  /** Set when 'model' was asked for and could not be used: what happened, to show once. */
  fallback?: string;
}

export const FALLBACK_ENCODING: EncodingName = 'o200k_base';

/** Reads `<modelDir>/vocab.json` on demand and keeps it while the file does not change. */
export class ModelVocabulary {
  private cached: { file: string; mtimeMs: number; size: number; vocab: Vocabulary } | undefined;

  constructor(private readonly modelDir: () => string | undefined) {}

  /** The vocabulary file's path, or undefined when there is no storage (no folder open). */
  file(): string | undefined {
    const dir = this.modelDir();
    return dir ? path.join(dir, 'vocab.json') : undefined;
  }

  /** The model's vocabulary; undefined when there is none; throws an Error saying why when it is unreadable. */
  async load(): Promise<Vocabulary | undefined> {
    const file = this.file();
    if (!file) return undefined;
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      this.cached = undefined;
      return undefined;
    }
    const c = this.cached;
    if (c && c.file === file && c.mtimeMs === stat.mtimeMs && c.size === stat.size) return c.vocab;
    let json: unknown;
    try {
      json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let vocab: Vocabulary;
    try {
      vocab = Vocabulary.fromJSON(json);
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.cached = { file, mtimeMs: stat.mtimeMs, size: stat.size, vocab };
    return vocab;
  }
}

/** What a setting means now: 'model' becomes the model's vocabulary, or o200k_base with a reason. */
export async function resolveEncoding(setting: EncodingSetting, model: ModelVocabulary): Promise<ResolvedEncoding> {
  if (setting !== 'model') return { setting, tokenizer: setting, label: setting };
  let vocab: Vocabulary | undefined;
  let reason: string;
  try {
    vocab = await model.load();
    reason = l10n.t('No trained model yet');
  } catch (error) {
    reason = l10n.t("The trained model's vocabulary could not be read ({0})", error instanceof Error ? error.message : String(error));
  }
  if (vocab?.hf) {
    // this view cuts text in the token worker by encoding name; an imported tokenizer is the model's own
    reason = l10n.t("The Token IDs view does not run an imported model's own tokenizer");
  } else if (vocab) {
    return {
      setting,
      tokenizer: vocab.subsetOf,
      vocab,
      label: plural(vocab.size, l10n.t('model ({0}, {1} token)|model ({0}, {1} tokens)', vocab.tokenizer, formatNumber(vocab.size))),
    };
  }
  return {
    setting,
    tokenizer: FALLBACK_ENCODING,
    label: FALLBACK_ENCODING,
    fallback: vocab?.hf
      ? l10n.t('{0}: showing {1} tokens instead. Attention, completions and next-token probabilities use its own tokens.', reason, FALLBACK_ENCODING)
      : l10n.t('{0}: showing {1} tokens instead. Train a model first to see its own token IDs.', reason, FALLBACK_ENCODING),
  };
}

