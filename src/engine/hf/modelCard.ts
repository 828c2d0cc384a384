// README.md of an exported folder: the model card (what the model is, what it was trained on, how to use it).

import { numerics, type GPTConfig } from '../model';
import type { Vocabulary } from '../vocab';

/** What the checkpoint records about the model's training (undefined: not recorded). */
export interface ModelCardFacts {
  parameters?: number;
  step: number;
  /** Validation loss of the kept model, nats per token. */
  valLoss?: number;
  tokensSeen?: number;
  documents?: number;
  trainTokens?: number;
  valTokens?: number;
  corpusBytes?: number;
  created?: string;
}

const count = (n: number) => n.toLocaleString('en-US');
const NOT_RECORDED = 'not recorded in the checkpoint';

export function modelCard(config: GPTConfig, vocab: Vocabulary, facts: ModelCardFacts): string {
  const { activation, layerNormEpsilon } = numerics(config);
  const corpus =
    facts.trainTokens !== undefined
      ? [
          facts.documents !== undefined ? `${count(facts.documents)} documents` : undefined,
          facts.corpusBytes !== undefined ? `${count(facts.corpusBytes)} bytes` : undefined,
          `${count(facts.trainTokens)} training tokens`,
          facts.valTokens !== undefined ? `${count(facts.valTokens)} validation tokens` : undefined,
        ]
          .filter(Boolean)
          .join(', ')
      : NOT_RECORDED;
  const vocabulary = vocab.hf
    ? `${count(vocab.size)} tokens: the model's own tokenizer (tokenizer.json)`
    : vocab.tokenizer === 'char'
      ? `${count(vocab.size)} tokens: characters${vocab.byteFallback ? ', and UTF-8 bytes for every other character' : ''}`
      : `${count(vocab.size)} tokens: the ${vocab.tokenizer} tokens the notes use often${vocab.byteFallback ? ', and UTF-8 bytes for every other token' : ''}`;
  const rows: [string, string][] = [
    ['Architecture', `GPT-2: ${config.nLayer} layers, ${config.nHead} heads, width ${config.nEmbd}`],
    ['Parameters', facts.parameters !== undefined ? count(facts.parameters) : NOT_RECORDED],
    ['Context', `${count(config.contextLength)} tokens`],
    ['Positions', config.positional === 'learned' ? 'learned (wpe)' : 'fixed sin/cos, exported as the wpe table (training with transformers may change it)'],
    ['Activation', activation === 'gelu' ? 'exact GELU (erf): transformers "gelu"' : 'GELU, tanh form: transformers "gelu_new"'],
    ['LayerNorm ε', String(layerNormEpsilon)],
    ['Vocabulary', vocabulary],
    ['Corpus', corpus],
    ['Training', `${count(facts.step)} optimizer steps${facts.tokensSeen !== undefined ? `, ${count(facts.tokensSeen)} tokens seen` : ''}`],
    ['Validation loss', facts.valLoss !== undefined ? `${facts.valLoss.toFixed(4)} nats per token (perplexity ${Math.exp(facts.valLoss).toFixed(2)})` : NOT_RECORDED],
  ];
  const tokenizerSection =
    vocab.hf || vocab.tokenizer === 'char'
      ? `\`tokenizer.json\` gives the model's own token IDs (AutoTokenizer loads it); \`lmx_tokenizer.py\` does the same
with the \`tokenizers\` library alone.`
      : `There is no \`tokenizer.json\`, on purpose: the model keeps only the ${vocab.tokenizer} tokens its notes used often and
spells every other token in byte tokens. A tokenizer.json cannot express that second step (its BPE merges must
pass through tokens the model does not have, and nothing after the BPE model turns a token back into bytes), and
one giving ${vocab.tokenizer}'s own IDs would feed the model wrong IDs. \`lmx_tokenizer.py\` does both steps:
\`lmx-encoding.json\` is ${vocab.tokenizer} for the \`tokenizers\` library, \`lmx-vocab.json\` maps its IDs to the model's.`;
  return `---
library_name: transformers
tags: [gpt2, lm-explorer]
---

# A small GPT trained with LM Explorer

${rows.map(([k, v]) => `- **${k}**: ${v}`).join('\n')}

## Use

\`\`\`python
import torch
from transformers import GPT2LMHeadModel
from lmx_tokenizer import LmxTokenizer   # in this folder

model = GPT2LMHeadModel.from_pretrained(".")
tok = LmxTokenizer(".")
ids = torch.tensor([tok.encode("The notes say")])
out = model.generate(ids, max_new_tokens=40, do_sample=True, top_k=40)
print(tok.decode(out[0].tolist()))
\`\`\`

## Tokenizer

${tokenizerSection}

## Continue training

\`\`\`sh
pip install torch transformers tokenizers accelerate
python train_hf.py path/to/notes --out trained --steps 2000          # one CPU or GPU
accelerate launch train_hf.py path/to/notes --out trained            # several GPUs or machines
torchrun --nproc_per_node 8 train_hf.py path/to/notes --out trained
\`\`\`

\`trained\` is a folder like this one: LM Explorer opens it with *Load Model…*, or \`lmx import --from-hf trained\`.
`;
}
