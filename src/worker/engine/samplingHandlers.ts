// The engine worker's sampling requests: the lab's sessions (one per open lab, kept here between requests,
// each holding its KV cache), strategy comparison, the logit lens and token surprise. All the maths runs in
// this thread; the host only forwards what the page asks for.

import {
  compareStrategies,
  defaultStride,
  overlapsRange,
  scoreText,
  softmax,
  textTotals,
  topIndices,
  utf8Text,
  tokenPieces,
  RUN_DEFAULTS,
  SamplingSession,
  Vocabulary,
  type DistributionView,
  type GPT,
  type SamplingParams,
} from '../../engine/index';
import { EngineError } from './protocol';
import type { LabSnapshot, LabToken, LabView, SamplingRequests, ScoredToken } from './samplingProtocol';

type Handler<M extends keyof SamplingRequests> = (params: SamplingRequests[M]['params'], ctx: { signal: AbortSignal }) => Promise<SamplingRequests[M]['result']>;
export type SamplingHandlers = { [M in keyof SamplingRequests]: Handler<M> };

interface Held {
  model: GPT;
  vocab: Vocabulary;
}

const LENS_TOP = 5;

function labToken(vocab: Vocabulary, id: number): LabToken {
  // a piece of a character has no text of its own (decoding it would give U+FFFD); its label shows its bytes
  return { id, label: vocab.tokenLabel(id), text: id < Vocabulary.SPECIALS ? '' : (utf8Text(vocab.tokenBytes(id)) ?? '') };
}

function labView(vocab: Vocabulary, view: DistributionView): LabView {
  return { ...view, bars: view.bars.map((b) => ({ ...b, ...labToken(vocab, b.id) })) };
}

/** Model IDs of a prompt, its last contextLength; an empty prompt is the start of a document (<sep>). */
function promptIds(vocab: Vocabulary, prompt: string, contextLength: number): { ids: number[]; truncated: boolean } {
  const ids = prompt ? vocab.encode(prompt) : [];
  if (ids.length === 0) ids.push(vocab.documentStart);
  return ids.length > contextLength ? { ids: ids.slice(ids.length - contextLength), truncated: true } : { ids, truncated: false };
}

export function samplingHandlers(requireModel: () => Held): SamplingHandlers {
  let nextSession = 1;
  const sessions = new Map<number, { session: SamplingSession; vocab: Vocabulary; truncated: boolean }>();

  /** A session of the model the worker holds now; one of an earlier model is closed. */
  const sessionOf = (id: number) => {
    const entry = sessions.get(id);
    const held = requireModel();
    if (entry && entry.session.model !== held.model) {
      entry.session.dispose();
      sessions.delete(id);
    }
    const current = sessions.get(id);
    if (!current) throw new EngineError('user', 'The model changed since the sampling lab opened; its steps start again from the prompt.');
    return current;
  };

  const snapshot = (id: number, params: SamplingParams, bars: number | undefined, view?: DistributionView): LabSnapshot => {
    const { session, vocab, truncated } = sessions.get(id)!;
    return {
      session: id,
      promptTokens: session.promptIds.length,
      truncated,
      view: labView(vocab, view ?? session.view(params, bars)),
      steps: session.steps.map((s) => ({ ...labToken(vocab, s.id), choice: s.choice, params: s.params, rawProb: s.rawProb, filteredProb: s.filteredProb })),
      text: vocab.decode(session.generated),
    };
  };

  return {
    async samplingOpen({ prompt, params, bars, replay }) {
      const { model, vocab } = requireModel();
      const { ids, truncated } = promptIds(vocab, prompt, model.config.contextLength);
      const session = await SamplingSession.open(model, ids);
      const id = nextSession++;
      sessions.set(id, { session, vocab, truncated });
      try {
        for (const token of replay ?? []) await session.step({ kind: 'pick', id: token }, params);
      } catch (error) {
        session.dispose();
        sessions.delete(id);
        throw error;
      }
      return snapshot(id, params, bars);
    },

    async samplingStep({ session: id, choice, params, bars }) {
      const { session } = sessionOf(id);
      await session.step(choice, params);
      return snapshot(id, params, bars);
    },

    async samplingView({ session: id, params, bars, at }) {
      const { session } = sessionOf(id);
      return snapshot(id, params, bars, at === undefined ? undefined : session.viewAt(at, params, bars));
    },

    async samplingUndo({ session: id, params, bars }) {
      sessionOf(id).session.undo();
      return snapshot(id, params, bars);
    },

    async samplingClose({ session: id }) {
      const entry = sessions.get(id);
      entry?.session.dispose();
      return { closed: sessions.delete(id) };
    },

    async samplingCompare({ prompt, strategies, maxNewTokens }, { signal }) {
      const { model, vocab } = requireModel();
      const { ids } = promptIds(vocab, prompt, model.config.contextLength);
      const runs = await compareStrategies(model, vocab, ids, strategies, maxNewTokens, signal);
      if (signal.aborted) throw new EngineError('cancelled', 'Cancelled.');
      return {
        runs: runs.map((r) => ({ label: r.label, strategy: r.strategy, text: r.text, repetition: r.repetition, tokens: r.tokens.map((t) => ({ ...labToken(vocab, t.id), prob: t.prob })) })),
      };
    },

    async logitLens({ session: id, top }) {
      const { session, vocab } = sessionOf(id);
      const { model } = session;
      const V = model.config.vocabSize;
      const lens = await model.logitLens(session.allTokens.slice(-model.config.contextLength));
      const layers = [];
      for (let layer = 0; layer <= model.config.nLayer; layer++) {
        const logits = lens.subarray(layer * V, (layer + 1) * V);
        const probs = softmax(logits);
        layers.push({ layer, top: topIndices(logits, Math.min(top ?? LENS_TOP, V)).map((t) => ({ ...labToken(vocab, t), prob: probs[t] })) });
      }
      return { layers };
    },

    async score({ text, detail, totals, topGuesses }, { signal }) {
      const { model, vocab } = requireModel();
      // one pass over every range asked for: the windows of the detail and of the totals are the same windows
      const ranges = [detail, ...(totals ?? [])];
      const union = { start: Math.min(...ranges.map((r) => r.start)), end: Math.max(...ranges.map((r) => r.end)) };
      const scored = await scoreText(model, vocab, text, { range: union, topGuesses: topGuesses ?? 5, signal });
      const tokens: ScoredToken[] = scored
        .filter((s) => overlapsRange(s, detail))
        .map((s) => ({
          ...labToken(vocab, s.id),
          start: s.start,
          end: s.end,
          prob: s.prob,
          rank: s.rank,
          surprisalBits: s.surprisalBits,
          entropyBits: s.entropyBits,
          top: s.top.map((t) => ({ ...labToken(vocab, t.id), prob: t.prob })),
        }));
      const sums = totals?.map((range) => textTotals(scored.filter((s) => overlapsRange(s, range)), vocab));
      return { tokens, ...(sums ? { totals: sums } : {}), contextLength: model.config.contextLength, stride: defaultStride(model.config.contextLength) };
    },

    async validationSplit({ text }) {
      const { vocab } = requireModel();
      const pieces = vocab.pieces(text);
      // the engine's split of every note (runCorpus.splitDocuments): its last valFraction of tokens
      const tail = Math.round(pieces.length * RUN_DEFAULTS.valFraction);
      return { start: tail > 0 ? pieces[pieces.length - tail].start : text.length, valFraction: RUN_DEFAULTS.valFraction };
    },
  };
}

