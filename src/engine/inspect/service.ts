// The inspector's requests, answered from a model's weights and vocabulary: what the engine worker runs for
// every view of the Model Inspector. Plain arrays only (the weights as a checkpoint stores them), so the
// same answers come from the worker's model and from a model.safetensors read in a test.

import { UserError } from '../errors';
import type { GPTConfig } from '../model';
import { Vocabulary } from '../vocab';
import { analogy } from './analogy';
import { architecture } from './architecture';
import { tableChange } from './compare';
import { embeddingRows, positionTable } from './embeddings';
import { nearestRows, similarityMatrix } from './nearest';
import { pcaMap } from './pca';
import { cosine, embeddingTables, meanOfRows, rowOf, type EmbeddingTables } from './tables';
import type { InspectAnswer, InspectQuery, InspectRequest, Ranked } from './types';

export * from './types';

/** A model as the inspector reads it. */
export interface InspectSubject {
  config: GPTConfig;
  vocab: Vocabulary;
  weights: ReadonlyMap<string, Float32Array>;
}

/** How the caller describes a model token (the worker: its IDs and label). */
export type Describe<T> = (id: number) => T;

const labelCache = new WeakMap<Vocabulary, string[]>();

/** Every model token's label, once per vocabulary (the map's search and labels). */
function allLabels(vocab: Vocabulary): string[] {
  let labels = labelCache.get(vocab);
  if (!labels) {
    labels = Array.from({ length: vocab.size }, (_, id) => vocab.tokenLabel(id));
    labelCache.set(vocab, labels);
  }
  return labels;
}

function encodeWord(vocab: Vocabulary, text: string, what: string): number[] {
  const ids = vocab.encode(text);
  if (ids.length === 0) throw new UserError(`Type ${what} first.`);
  return ids;
}

function queryIds(vocab: Vocabulary, query: InspectQuery): number[] {
  if ('id' in query) {
    if (!Number.isInteger(query.id) || query.id < 0 || query.id >= vocab.size) throw new UserError(`Token ID ${query.id} is not in the model's vocabulary (0–${vocab.size - 1}).`);
    return [query.id];
  }
  return encodeWord(vocab, query.text, 'a token or a word');
}

function queryVector(tables: EmbeddingTables, ids: number[]): ArrayLike<number> {
  return ids.length === 1 ? rowOf(tables.tokens, ids[0]) : meanOfRows(tables.tokens, ids);
}

/** Answers one request of a view for the model `subject`. `other`: the second model of 'compare'. */
export function inspect<T>(subject: InspectSubject, request: InspectRequest, describe: Describe<T>, other?: { weights: ReadonlyMap<string, Float32Array>; step?: number }, step?: number): InspectAnswer<T> {
  const { config, vocab } = subject;
  const tables = embeddingTables(config, subject.weights);
  const ranked = (list: { index: number; cosine: number }[]): Ranked<T>[] => list.map((n) => ({ ...describe(n.index), cosine: n.cosine }));
  switch (request.view) {
    case 'embeddings': {
      const all = encodeWord(vocab, request.text, 'or select some text');
      const ids = all.slice(0, config.contextLength);
      return {
        view: 'embeddings',
        tokens: ids.map(describe),
        rows: embeddingRows(tables, ids),
        truncated: ids.length < all.length,
        totalTokens: all.length,
        positional: config.positional,
        table: positionTable(tables),
      };
    }
    case 'nearest': {
      const ids = queryIds(vocab, request.query);
      const neighbours = nearestRows(tables.tokens, queryVector(tables, ids), { count: request.count ?? 20, exclude: new Set(ids) });
      const map = pcaMap(tables.tokens);
      const position = Math.max(0, Math.min(request.position ?? 0, config.contextLength - 1));
      const posNeighbours = nearestRows(tables.positions, rowOf(tables.positions, position), { count: 10, exclude: new Set([position]) });
      return {
        view: 'nearest',
        query: ids.map(describe),
        neighbours: ranked(neighbours),
        map: { coords: Array.from(map.coords), explained: map.explained },
        labels: allLabels(vocab),
        positions: {
          position,
          neighbours: posNeighbours.map((n) => ({ position: n.index, cosine: n.cosine })),
          similarity: similarityMatrix(tables.positions),
          size: tables.positions.rows,
        },
      };
    }
    case 'analogy': {
      const word = (text: string, what: string) => ({ text, ids: encodeWord(vocab, text, what) });
      const [a, b, c] = [word(request.a, 'the word a'), word(request.b, 'the word b'), word(request.c, 'the word c')];
      const expected = request.expected?.trim() ? word(request.expected, 'the expected answer') : undefined;
      const result = analogy(tables, { a: a.ids, b: b.ids, c: c.ids, count: request.count ?? 10, includeInputs: request.includeInputs, ...(expected ? { expected: expected.ids } : {}) });
      const out = (w: { text: string; ids: number[] }) => ({ text: w.text, tokens: w.ids.map(describe) });
      return {
        view: 'analogy',
        a: out(a),
        b: out(b),
        c: out(c),
        answers: ranked(result.answers),
        excluded: result.excluded.map(describe),
        ...(expected && result.expected ? { expected: { ...out(expected), ...result.expected } } : {}),
      };
    }
    case 'architecture': {
      const tokens = request.text ? vocab.encode(request.text).length : 0;
      return { view: 'architecture', architecture: architecture(config, tokens > 0 ? tokens : config.contextLength), forText: tokens > 0 };
    }
    case 'compare': {
      if (!other) throw new UserError('There is no second model to compare with.');
      const otherTables = embeddingTables(config, other.weights);
      const ids = queryIds(vocab, request.query);
      const exclude = new Set(ids);
      const count = request.count ?? 20;
      const before = nearestRows(otherTables.tokens, queryVector(otherTables, ids), { count, exclude });
      const after = nearestRows(tables.tokens, queryVector(tables, ids), { count, exclude });
      const inBefore = new Set(before.map((n) => n.index));
      // The special tokens are never trained on as text; whole tokens and byte pieces are.
      const rows = Array.from({ length: vocab.size - Vocabulary.SPECIALS }, (_, i) => i + Vocabulary.SPECIALS);
      const change = tableChange(otherTables.tokens, tables.tokens, count, rows);
      return {
        view: 'compare',
        against: request.against,
        steps: { ...(other.step !== undefined ? { before: other.step } : {}), ...(step !== undefined ? { after: step } : {}) },
        query: ids.map(describe),
        before: ranked(before),
        after: ranked(after),
        common: after.filter((n) => inBefore.has(n.index)).length,
        queryCosine: cosine(queryVector(otherTables, ids), queryVector(tables, ids)),
        moved: change.moved.map((m) => ({ ...describe(m.index), ...m })),
        meanCosine: change.meanCosine,
      };
    }
  }
}
