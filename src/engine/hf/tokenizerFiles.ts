// The tokenizer of an exported model, as files of the `tokenizers` library (tokenizer.json format).
//
// A model on the 'char' tokenizer gets an exact tokenizer.json: a BPE model with no merges over its code
// points, and the spm byte-fallback trick (<0x00> … <0xFF>) for every character it does not hold: the
// engine's byte fallback, ID for ID. transformers' AutoTokenizer loads it as it is.
//
// A model on a GPT encoding cannot have one. Its IDs come from two steps: the encoding's byte-pair merges
// make GPT tokens, and each GPT token the model does not hold is then spelled in its byte tokens. A BPE
// model of `tokenizers` has only the first step: every merge yields a token of its own vocabulary, so
// reaching a kept token through merges needs IDs for the tokens on the way, which the model does not
// have, and no stage after the model could turn a token back into bytes. So the export writes the two
// steps as two files, read by a short loader (pythonFiles.ts, lmx_tokenizer.py):
//   lmx-encoding.json   the whole GPT encoding as a tokenizer.json (byte-level BPE, GPT IDs), converted
//                       from its ranks: the merge of a token is the split its own ranks' BPE ends at
//   lmx-vocab.json      the model's vocabulary (vocab.json): GPT ID → model ID, byte fallback
// and no tokenizer.json, so that nothing loads a tokenizer that would give GPT IDs to this model.

import { encodingTable, tokenBytes, type EncodingName } from '../tokenizer';
import { Vocabulary } from '../vocab';
import { byteLevelAlphabet } from './byteLevel';

const SPECIAL_CONTENT = ['<unk>', '<sep>'];

/** The exact tokenizer.json of a 'char' vocabulary. */
export function charTokenizerJson(vocab: Vocabulary): Record<string, unknown> {
  if (vocab.tokenizer !== 'char') throw new Error(`charTokenizerJson needs a 'char' vocabulary, not ${vocab.tokenizer}`);
  const entries: Record<string, number> = {};
  SPECIAL_CONTENT.forEach((content, id) => (entries[content] = id));
  for (let id = Vocabulary.SPECIALS; id < vocab.size; id++) {
    const byte = vocab.byteOf(id);
    entries[byte !== undefined ? `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>` : String.fromCodePoint(vocab.toExternal(id)!)] = id;
  }
  // <unk> and <sep> are not added tokens: tokenizers would find "<sep>" in a text, which the engine reads as five characters.
  return bpeTokenizerJson({
    preTokenizer: null,
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }] },
    model: { unk_token: vocab.byteFallback ? null : SPECIAL_CONTENT[Vocabulary.UNK], byte_fallback: vocab.byteFallback, ignore_merges: false, vocab: entries, merges: [] },
  });
}

/** A tokenizer.json of a BPE model with no added tokens, normalizer or post-processor. */
function bpeTokenizerJson(parts: { preTokenizer: unknown; decoder: unknown; model: Record<string, unknown> }): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: parts.preTokenizer,
    post_processor: null,
    decoder: parts.decoder,
    model: { type: 'BPE', dropout: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, ...parts.model },
  };
}

/**
 * tokenizer_config.json, for AutoTokenizer. With an exact tokenizer.json it names no special tokens: it would
 * add them to the tokenizer, which would then find "<sep>" in a text, where the engine sees five characters.
 * Without one (a GPT-encoding model) it names the loader's class, which transformers does not have: so
 * AutoTokenizer stops with an error rather than build GPT-2's tokenizer from nothing (no vocabulary file),
 * which gives no IDs at all for any text.
 */
export function tokenizerConfigJson(vocab: Vocabulary, contextLength: number): Record<string, unknown> {
  return {
    tokenizer_class: vocab.tokenizer === 'char' ? 'PreTrainedTokenizerFast' : LOADER_CLASS,
    model_max_length: contextLength,
    clean_up_tokenization_spaces: false,
  };
}

/** The class of lmx_tokenizer.py (pythonFiles.ts). */
export const LOADER_CLASS = 'LmxTokenizer';

/**
 * The pre-split pattern in the syntax of `tokenizers` (Oniguruma): there `$` is the end of a line, the
 * JavaScript pattern's `$` (no m flag) the end of the text, which is `\z`.
 */
function onigPattern(pattern: string): string {
  return pattern.replace(/(?<!\\)\$/g, '\\z');
}

/** A GPT encoding as a byte-level BPE tokenizer.json that gives its GPT IDs (see the top of this file). */
export function encodingTokenizerJson(name: EncodingName): Record<string, unknown> {
  const { pattern, size } = encodingTable(name);
  const alphabet = byteLevelAlphabet();
  const rankOf = new Map<string, number>();
  const keys: string[] = new Array(size);
  for (let id = 0; id < size; id++) {
    const key = latin1(tokenBytes(id, name));
    keys[id] = key;
    rankOf.set(key, id);
  }
  const spell = (key: string) => Array.from(key, (ch) => alphabet[ch.charCodeAt(0)]).join('');
  const vocab: Record<string, number> = {};
  for (let id = 0; id < size; id++) vocab[spell(keys[id])] = id;
  const merges: [string, string][] = [];
  for (let id = 0; id < size; id++) {
    const split = lastMerge(keys[id], id, rankOf);
    if (split) merges.push([spell(split[0]), spell(split[1])]);
  }
  return bpeTokenizerJson({
    preTokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: onigPattern(pattern) }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    // ignore_merges: a piece that is one token is that token, as in the encoding (the merges need not reach it)
    model: { unk_token: null, byte_fallback: false, ignore_merges: true, vocab, merges },
  });
}

/**
 * The two parts a token's byte-pair merge joins last: its bytes merged by the encoding's ranks below its own,
 * until no pair merges; undefined for a single byte, or when that does not end in two parts.
 */
function lastMerge(key: string, rank: number, rankOf: Map<string, number>): [string, string] | undefined {
  if (key.length < 2) return undefined;
  const parts = Array.from(key);
  while (parts.length > 2) {
    let best = -1;
    let bestRank = rank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rankOf.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return undefined;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
  return [parts[0], parts[1]];
}

/** Bytes as a string of code points 0–255 (a key for byte strings). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
