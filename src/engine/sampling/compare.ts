// Several strategies on the same prompt, side by side: each run with generate() (the sampler completions
// use), keeping for each token the probability the model gave it, so a view can colour the tokens and show
// how often a strategy repeats itself.

import * as l10n from '@vscode/l10n';
import { generate, type Decoder, type SamplingParams } from '../generate';
import type { GPT } from '../model';
import { softmax } from './distribution';

export interface Strategy extends SamplingParams {
  /** What to call it ("greedy", "T 0.7 · top-k 40"…); a label is made from the parameters when absent. */
  label?: string;
  seed?: number;
}

/** The strategies the sampling lab compares by default. */
export const DEFAULT_STRATEGIES: readonly Strategy[] = [{ temperature: 0 }, { temperature: 0.7, topK: 40 }, { temperature: 1, topP: 0.9 }];

/** The length of the n-grams `repetition` counts. */
export const REPEAT_NGRAM = 4;

export interface GeneratedToken {
  id: number;
  /** The model's raw softmax probability of the token when it was chosen. */
  prob: number;
  /** The model's most likely token at that point and its probability. */
  topId: number;
  topProb: number;
}

export interface StrategyRun {
  strategy: Strategy;
  label: string;
  tokens: GeneratedToken[];
  text: string;
  /** Share of the run's n-grams (n = REPEAT_NGRAM) that already occurred earlier in it. */
  repetition: number;
}

/** A short label of a strategy's parameters. */
export function strategyLabel(s: SamplingParams): string {
  if (s.temperature <= 0) return l10n.t('greedy');
  const parts = [`T ${s.temperature}`];
  if (s.topK) parts.push(`top-k ${s.topK}`);
  if (s.topP !== undefined && s.topP < 1) parts.push(`top-p ${s.topP}`);
  return parts.join(' · ');
}

/** Share of the n-grams of `ids` that occurred before in it (0 when it has none). */
export function repetition(ids: readonly number[], n = REPEAT_NGRAM): number {
  if (ids.length < n) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ids.slice(i, i + n).join(',');
    if (seen.has(key)) repeated++;
    else seen.add(key);
  }
  return repeated / (ids.length - n + 1);
}

/** One run of generate() with the probabilities of the chosen tokens. */
export async function traceGeneration(model: GPT, vocab: Decoder, promptIds: number[], strategy: Strategy, maxNewTokens: number, signal?: AbortSignal): Promise<{ tokens: GeneratedToken[]; text: string; logits: Float32Array[] }> {
  const out = await generate(model, vocab, promptIds, {
    maxNewTokens,
    temperature: strategy.temperature,
    ...(strategy.topK ? { topK: strategy.topK } : {}),
    ...(strategy.topP !== undefined && strategy.topP < 1 ? { topP: strategy.topP } : {}),
    seed: strategy.seed ?? 1,
    returnLogits: true,
    ...(signal ? { signal } : {}),
  });
  const logits = out.logits ?? [];
  const tokens = out.ids.map((id, i) => {
    const p = softmax(logits[i]);
    let topId = 0;
    for (let t = 1; t < p.length; t++) if (p[t] > p[topId]) topId = t;
    return { id, prob: p[id], topId, topProb: p[topId] };
  });
  return { tokens, text: out.text, logits };
}

export async function compareStrategies(model: GPT, vocab: Decoder, promptIds: number[], strategies: readonly Strategy[], maxNewTokens: number, signal?: AbortSignal): Promise<StrategyRun[]> {
  const runs: StrategyRun[] = [];
  for (const strategy of strategies) {
    const { tokens, text } = await traceGeneration(model, vocab, promptIds, strategy, maxNewTokens, signal);
    runs.push({ strategy: { ...strategy }, label: strategy.label ?? strategyLabel(strategy), tokens, text, repetition: repetition(tokens.map((t) => t.id)) });
  }
  return runs;
}
