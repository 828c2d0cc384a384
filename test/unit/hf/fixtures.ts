// What the Hugging Face tests share: vocabularies built from a few notes, models with clear next-token
// choices, and the texts the tokenizers are checked on.

import { type HfExportSource } from '../../../src/engine/hf/exportHf';
import { GPT, type GPTConfig, type PositionalEncoding } from '../../../src/engine/model';
import { Rng } from '../../../src/engine/rng';
import { encode, type TokenizerName } from '../../../src/engine/tokenizer';
import { Vocabulary } from '../../../src/engine/vocab';

/** Notes to build vocabularies from: Polish, emoji and code, so that all three have whole tokens and byte tokens. */
export const NOTES = [
  'Notatki z wykładu: gęślą jaźń, żółć i źdźbło. Zażółć gęślą jaźń! Łódź, Kraków, Gdańsk.',
  'Emoji: 🎉 🇵🇱 👩‍💻 — party time 🎉🎉.',
  'function area(r) {\n  return Math.PI * r ** 2; // pole koła\n}\nconst x = area(2);\n',
].join('\n\n');

/** Texts the tokenizer is checked on: mostly not in the notes, so byte fallback is exercised. */
export const CHECK_TEXTS = [
  'Pchnąć w tę łódź jeża lub ośm skrzyń fig. Źdźbło trawy, gęś i żuraw.',
  'Emoji: 😀🙃 👨‍👩‍👧‍👦 🇯🇵 ✨ and a lone 🎉.',
  'def fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)  # ciąg Fibonacciego\n\n\tprint([fib(i) for i in range(10)])\n',
];

export function buildVocab(tokenizer: TokenizerName): Vocabulary {
  return Vocabulary.build([encode(NOTES, tokenizer)], tokenizer);
}

/** A model with larger random weights than GPT-2's initialisation, so that its next-token choices are clear. */
export function randomModel(vocab: Vocabulary, positional: PositionalEncoding, seed: number): GPT {
  const config: GPTConfig = { vocabSize: vocab.size, contextLength: 48, nLayer: 2, nHead: 2, nEmbd: 32, positional };
  const model = new GPT(config, seed);
  const rng = new Rng(seed);
  const weights = model.getWeights();
  for (const [name, w] of weights) {
    const gain = /ln_\d|ln_f/.test(name) && name.endsWith('.weight');
    for (let i = 0; i < w.length; i++) w[i] = (gain ? 1 : 0) + rng.normal() * 0.2;
  }
  model.setWeights(weights);
  return model;
}

export function sourceOf(model: GPT, vocab: Vocabulary): HfExportSource {
  return { config: model.config, weights: model.getWeights(), vocab, card: { step: 120, valLoss: 2.5, trainTokens: 1000, valTokens: 100, documents: 3, parameters: model.parameterCounts().total } };
}

