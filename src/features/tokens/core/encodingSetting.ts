// Which tokenizer the `lmExplorer.tokens.encoding` setting means now: a GPT encoding, or the model's own
// vocabulary (read from <modelDir>/vocab.json), falling back to o200k_base with a reason. The model's own is
// a trained model's compact vocabulary over a GPT encoding (the encoding cuts, and its IDs map to the
// model's), or an imported model's tokenizer.json (it cuts, and its IDs are the model's).

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import type { EncodingSetting } from '../../../config/settings';
import type { EncodingName } from '../../../engine/tokenizer';
import { HF_IMPORT_FILES } from '../../../engine/hf/importHf';
import { Vocabulary, type VocabularyTokenizer } from '../../../engine/vocab';
import type { TextTokenizer } from './tokenTable';


export interface ResolvedEncoding {
  setting: EncodingSetting;
  /** The tokenizer that cuts the text: an encoding, or an imported model's own (its IDs are the model's). */
  tokenizer: TextTokenizer;
  /** Its name: the encoding's, or 'hf' for an imported model's tokenizer.json. */
  name: VocabularyTokenizer;
  /** The model's vocabulary when `setting` is 'model' and a model exists: IDs are shown as model IDs. */
  vocab?: Vocabulary;
  /**
   * Whether the table's IDs need the vocabulary to become model IDs (a trained model's compact vocabulary
   * over a GPT encoding); an imported tokenizer's IDs are the model's already.
   */
  mapsIds: boolean;
  /** How to name it to a person: "o200k_base", "model (o200k_base, 812 tokens)", "model (imported tokenizer.json, 50,257 tokens)". */
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
  if (setting !== 'model') return { setting, tokenizer: setting, name: setting, mapsIds: false, label: setting };
  let vocab: Vocabulary | undefined;
  let reason: string;
  try {
    vocab = await model.load();
    reason = l10n.t('No trained model yet');
  } catch (error) {
    reason = l10n.t("The trained model's vocabulary could not be read ({0})", error instanceof Error ? error.message : String(error));
  }
  if (vocab?.hf) {
    return {
      setting,
      tokenizer: vocab.hf,
      name: vocab.tokenizer,
      vocab,
      mapsIds: false,
      label: plural(vocab.size, l10n.t('model (imported {0}, {1} token)|model (imported {0}, {1} tokens)', HF_IMPORT_FILES.tokenizer, formatNumber(vocab.size))),
    };
  }
  if (vocab) {
    return {
      setting,
      tokenizer: vocab.subsetOf,
      name: vocab.tokenizer,
      vocab,
      mapsIds: true,
      label: plural(vocab.size, l10n.t('model ({0}, {1} token)|model ({0}, {1} tokens)', vocab.tokenizer, formatNumber(vocab.size))),
    };
  }
  return {
    setting,
    tokenizer: FALLBACK_ENCODING,
    name: FALLBACK_ENCODING,
    mapsIds: false,
    label: FALLBACK_ENCODING,
    fallback: l10n.t('{0}: showing {1} tokens instead. Train a model first to see its own token IDs.', reason, FALLBACK_ENCODING),
  };
}
