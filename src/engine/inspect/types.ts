// The inspector's requests and answers, as types (and the list of views): what the engine worker, the
// extension and the Model Inspector's page share. Nothing here runs engine code, so the page can import it.

import type { GPTConfig } from '../model';
import type { Architecture } from './architecture';
import type { RowChange } from './compare';
import type { EmbeddingRow, PositionTable } from './embeddings';

/** A token or a word to look up: text (encoded with the model's vocabulary) or one model token ID. */
export type InspectQuery = { text: string } | { id: number };

/** The second checkpoint of "What training changed". */
export type CompareTarget =
  /** The model's own weights before its first step (rebuilt from its training seed). */
  | { kind: 'initial' }
  /** The latest step's weights, when training went on past the kept model. */
  | { kind: 'latest' }
  /** The kept model of another checkpoint folder of the same vocabulary and shape. */
  | { kind: 'folder'; dir: string };

export type InspectRequest =
  | { view: 'embeddings'; text: string }
  | { view: 'nearest'; query: InspectQuery; count?: number; position?: number }
  | { view: 'analogy'; a: string; b: string; c: string; expected?: string; includeInputs?: boolean; count?: number }
  | { view: 'architecture'; text?: string }
  | { view: 'compare'; against: CompareTarget; query: InspectQuery; count?: number };

export type InspectView = InspectRequest['view'];
export const INSPECT_VIEWS: readonly InspectView[] = ['embeddings', 'nearest', 'analogy', 'architecture', 'compare'];

/** A ranked token: its description (T: the caller's token type) and cosine similarity. */
export type Ranked<T> = T & { cosine: number };

export interface EmbeddingsAnswer<T> {
  view: 'embeddings';
  tokens: T[];
  rows: EmbeddingRow[];
  /** The text had more tokens than the context: only the first `rows.length` are shown. */
  truncated: boolean;
  totalTokens: number;
  positional: GPTConfig['positional'];
  /** The whole position table (the waves of a sinusoidal one), positions × dimensions. */
  table: PositionTable;
}

export interface NearestAnswer<T> {
  view: 'nearest';
  /** The query's tokens; several when the text is several tokens (its vector is then their mean). */
  query: T[];
  neighbours: Ranked<T>[];
  /** PCA map of the whole vocabulary: x, y of model token r at 2r, 2r + 1. */
  map: { coords: number[]; explained: [number, number] };
  /** Labels of every model token, for the map's search and labels. */
  labels: string[];
  positions: { position: number; neighbours: { position: number; cosine: number }[]; similarity: number[]; size: number };
}

export interface AnalogyWord<T> {
  text: string;
  tokens: T[];
}

export interface AnalogyAnswer<T> {
  view: 'analogy';
  a: AnalogyWord<T>;
  b: AnalogyWord<T>;
  c: AnalogyWord<T>;
  answers: Ranked<T>[];
  excluded: T[];
  expected?: AnalogyWord<T> & { rank: number; cosine: number; multiToken: boolean };
}

export interface ArchitectureAnswer {
  view: 'architecture';
  architecture: Architecture;
  /** Set when the shapes are for a text (its token count is architecture.tokens). */
  forText: boolean;
}

export interface CompareAnswer<T> {
  view: 'compare';
  against: CompareTarget;
  /** Steps of the two models, when known. */
  steps: { before?: number; after?: number };
  query: T[];
  before: Ranked<T>[];
  after: Ranked<T>[];
  /** Tokens in both lists. */
  common: number;
  /** cos(query vector before, after). */
  queryCosine: number;
  moved: (T & RowChange)[];
  meanCosine: number;
}

export type InspectAnswer<T> = EmbeddingsAnswer<T> | NearestAnswer<T> | AnalogyAnswer<T> | ArchitectureAnswer | CompareAnswer<T>;

