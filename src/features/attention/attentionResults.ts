// What Show Attention answers and what the panel shows, as the API and the integration tests read them.

import type { ModelToken } from '../../worker/engine/protocol';
import type { AttentionSource, AttentionViewState } from './protocol';

/** One model token of the panel, with its range in the document (offsets). */
export interface AttentionToken extends ModelToken {
  start: number;
  end: number;
}

export interface AttentionTiming {
  seq: number;
  tokens: number;
  /** The worker's answer, as the host waited for it (tokenize + forward pass + transfer). */
  engineMs: number;
  /** Packing and posting on the host. */
  hostMs: number;
  /** From the command to posting the data to the page. */
  postedMs: number;
  /** VS Code passing the message to the page: totalMs − postedMs − renderMs. */
  deliverMs?: number;
  /** In the page: from the data's arrival to the drawn frame. */
  renderMs?: number;
  /** From the command to the page's report that it drew. */
  totalMs?: number;
}

export interface AttentionSnapshot {
  seq: number;
  source: AttentionSource;
  text: string;
  tokens: AttentionToken[];
  nLayer: number;
  nHead: number;
  T: number;
  truncated: boolean;
  totalTokens: number;
  contextLength: number;
  /** The page's view (layer, head, query token, follow…), as it last reported it. */
  view: AttentionViewState | undefined;
  /** The document changed inside the text since it was computed. */
  stale: boolean;
}

export type ShowAttentionResult =
  | { ok: true; seq: number; tokens: number; truncated: boolean; totalTokens: number; timing?: AttentionTiming }
  | { ok: false; reason: 'no-editor' | 'empty' | 'no-model' | 'error' | 'cancelled'; message: string };
