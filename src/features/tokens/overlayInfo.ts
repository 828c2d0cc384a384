// What Show Token IDs answers and what the overlay shows, as the API and the integration tests read them.

import type * as vscode from 'vscode';
import type { EncodingSetting } from '../../config/settings';
import type { VocabularyTokenizer } from '../../engine/vocab';
import type { LabelMode } from './overlayLabels';

export interface OverlayToken {
  /** 0-based index in the overlay. */
  index: number;
  /** The encoding's token ID (an imported model's tokenizer.json: the model's ID). */
  id: number;
  /** The model's ID, when the overlay shows a trained model's vocabulary over a GPT encoding (0 = <unk>). */
  modelId?: number;
  range: vscode.Range;
  /** The text drawn after the token: the ID shown ("+231" for a token that finishes a character). */
  label: string;
  /** The source text under the token ('' for a token that only finishes a character). */
  text: string;
}

export interface OverlayInfo {
  editorUri: string;
  /** What the IDs are: an encoding name, or 'model' for the trained model's IDs. */
  encoding: EncodingSetting;
  /** The tokenizer that cut the text ('hf': an imported model's own tokenizer.json). */
  tokenizer: VocabularyTokenizer;
  /** How the hovers name it: "o200k_base", "model (imported tokenizer.json, 50,257 tokens)". */
  label: string;
  /** The overlaid range (the selection, or the whole document). */
  range: vscode.Range;
  source: 'selection' | 'document';
  tokenCount: number;
  /** The first `maxTokens` tokens (all of them for any ordinary selection). */
  tokens: OverlayToken[];
  /** What is drawn now: tokens [first, last) around the visible ranges. */
  decorated: {
    count: number;
    first: number;
    last: number;
    capped: boolean;
    range: vscode.Range | undefined;
    /** Time the last layout took on the extension host (window search, ranges, setDecorations calls). */
    renderMs: number;
    /** How the IDs are drawn: 'decorations' (after each token), or 'inlayHints' (when the editor wraps lines). */
    labels: LabelMode;
  };
  /** Whether the worker tokenized it. */
  offThread: boolean;
}

export type ShowResult =
  | {
      ok: true;
      tokenCount: number;
      encoding: EncodingSetting;
      source: 'selection' | 'document';
      /** Something worth telling (the model fallback, NUL characters…). */
      warnings: string[];
    }
  | { ok: false; message: string };
