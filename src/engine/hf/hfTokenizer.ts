// The tokenizer of an imported model: its tokenizer.json, run by @huggingface/tokenizers, so that a model with
// a vocabulary of its own (a Polish GPT-2, say) shows its real token IDs. What the views need beyond IDs is
// each token's bytes: for byte-level BPE (GPT-2's kind) the token's characters spell them (GPT-2's
// printable stand-ins for the 256 bytes); a byte-fallback token <0xAB> is that byte; with a Metaspace
// pre-tokenizer (SentencePiece's kind) a token is its text with ▁ read as the space it stands for (its
// decoder alone would drop the space of a word's first token); any other token is what the tokenizer's
// decoder makes of it alone, in UTF-8.

import { Tokenizer } from '@huggingface/tokenizers';
import { byteLevelAlphabet } from './byteLevel';

const utf8 = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** Whether a tokenizer.json component (or one of a Sequence) has the given type. */
function hasType(component: unknown, type: string): boolean {
  if (typeof component !== 'object' || component === null) return false;
  const c = component as { type?: unknown; decoders?: unknown[]; pretokenizers?: unknown[] };
  if (c.type === type) return true;
  return [...(c.decoders ?? []), ...(c.pretokenizers ?? [])].some((inner) => hasType(inner, type));
}

/** The replacement character of a Metaspace pre-tokenizer (alone or in a Sequence), or undefined. */
function metaspaceOf(component: unknown): string | undefined {
  if (typeof component !== 'object' || component === null) return undefined;
  const c = component as { type?: unknown; replacement?: unknown; pretokenizers?: unknown[] };
  if (c.type === 'Metaspace') return typeof c.replacement === 'string' ? c.replacement : '\u2581';
  for (const inner of c.pretokenizers ?? []) {
    const found = metaspaceOf(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether a tokenizer.json cuts text as GPT-2 does, so that the tokens from a line start before a letter or
 * digit on are those of the text from there alone (what the Token IDs view's re-tokenization of a few lines
 * after an edit relies on, see src/features/tokens/core/tokenSplice.ts): a BPE model, no normalizer, one
 * ByteLevel pre-tokenizer with GPT-2's pre-split and no added prefix space, and added tokens that strip
 * no whitespace and hold no line break.
 */
function cutsLikeGpt2(json: Record<string, unknown>): boolean {
  const model = json.model as { type?: unknown } | undefined;
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as { content?: unknown; lstrip?: unknown; rstrip?: unknown }[]) : [];
  return (
    model?.type === 'BPE' &&
    (json.normalizer ?? null) === null &&
    splitsAsGpt2(json.pre_tokenizer) &&
    added.every((t) => t.lstrip !== true && t.rstrip !== true && !(typeof t.content === 'string' && /[\r\n]/.test(t.content)))
  );
}

/** GPT-2's pre-split, as tokenizers writes it in a Split pre-tokenizer. */
const GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

interface PreTokenizerJson {
  type?: unknown;
  add_prefix_space?: unknown;
  use_regex?: unknown;
  pattern?: { Regex?: unknown };
  behavior?: unknown;
  invert?: unknown;
  pretokenizers?: PreTokenizerJson[];
}

/**
 * GPT-2's pre-tokenizer in either of the forms tokenizers saves: ByteLevel with its own regex (the hub's
 * gpt2), or a Split with GPT-2's pattern then ByteLevel without one (transformers' newer saves, and LM
 * Explorer's converter); never with an added prefix space.
 */
function splitsAsGpt2(pre: unknown): boolean {
  const p = pre as PreTokenizerJson | null | undefined;
  if (p?.type === 'ByteLevel') return p.add_prefix_space !== true && p.use_regex !== false;
  if (p?.type !== 'Sequence' || p.pretokenizers?.length !== 2) return false;
  const [split, bytes] = p.pretokenizers;
  return (
    split.type === 'Split' &&
    split.pattern?.Regex === GPT2_SPLIT &&
    split.behavior === 'Isolated' &&
    split.invert !== true &&
    bytes.type === 'ByteLevel' &&
    bytes.add_prefix_space !== true &&
    bytes.use_regex === false
  );
}

export class HfTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly byteLevel: boolean;
  private readonly metaspace: string | undefined;
  /** See cutsLikeGpt2. */
  readonly cutsAtLineStarts: boolean;
  private readonly fromStandIn: Map<string, number>;
  private readonly special: Map<number, string>;
  private readonly bytesCache = new Map<number, Uint8Array>();

  /** json: tokenizer.json; config: tokenizer_config.json (or {}). Throws when the library cannot build it. */
  constructor(
    readonly json: Record<string, unknown>,
    readonly config: Record<string, unknown> = {},
  ) {
    this.tokenizer = new Tokenizer(json, config);
    this.byteLevel = hasType(json.decoder, 'ByteLevel') || hasType(json.pre_tokenizer, 'ByteLevel');
    this.metaspace = metaspaceOf(json.pre_tokenizer);
    this.cutsAtLineStarts = cutsLikeGpt2(json);
    this.fromStandIn = new Map(byteLevelAlphabet().map((ch, byte) => [ch, byte]));
    this.special = new Map([...this.tokenizer.get_added_tokens_decoder()].map(([id, token]) => [id, token.content]));
  }

  /**
   * The end-of-text token: tokenizer_config.json's eos_token (else bos_token), else <|endoftext|>, else 0. What
   * a context starts with when there is no text (GPT-2 was trained with it between documents).
   */
  get endOfText(): number {
    for (const key of ['eos_token', 'bos_token']) {
      const value = this.config[key];
      const content = typeof value === 'string' ? value : (value as { content?: unknown } | undefined)?.content;
      const id = typeof content === 'string' ? this.tokenizer.token_to_id(content) : undefined;
      if (id !== undefined) return id;
    }
    return this.tokenizer.token_to_id('<|endoftext|>') ?? 0;
  }

  /** Text → token IDs, as the tokenizer gives them without added special tokens (no BOS/EOS). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** The token's text in the vocabulary ("Ġthe"), or undefined for an ID the tokenizer does not have. */
  tokenString(id: number): string | undefined {
    return this.special.get(id) ?? this.tokenizer.id_to_token(id);
  }

  /** Whether the ID is an added (special) token, such as <|endoftext|>. */
  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  /** The bytes a token stands for (an added token: its text; an ID the tokenizer lacks: none). */
  tokenBytes(id: number): Uint8Array {
    const cached = this.bytesCache.get(id);
    if (cached) return cached;
    const bytes = this.computeBytes(id);
    this.bytesCache.set(id, bytes);
    return bytes;
  }

  private computeBytes(id: number): Uint8Array {
    const special = this.special.get(id);
    if (special !== undefined) return utf8.encode(special);
    const token = this.tokenizer.id_to_token(id);
    if (token === undefined) return new Uint8Array(0);
    const byte = BYTE_TOKEN.exec(token);
    if (byte) return Uint8Array.of(parseInt(byte[1], 16));
    if (this.byteLevel) {
      const out = new Uint8Array(token.length);
      let n = 0;
      for (const ch of token) {
        const b = this.fromStandIn.get(ch);
        if (b === undefined) return utf8.encode(this.tokenizer.decode([id]));
        out[n++] = b;
      }
      return out.subarray(0, n);
    }
    if (this.metaspace !== undefined) return utf8.encode(token.split(this.metaspace).join(' '));
    return utf8.encode(this.tokenizer.decode([id]));
  }
}
