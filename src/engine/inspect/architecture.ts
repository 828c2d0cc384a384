// View 4: the model drawn from its configuration, box by box: embeddings, then N × [LayerNorm → attention →
// add → LayerNorm → MLP → add], the final LayerNorm and the output layer. Each box has its parameters (the
// tensors of parameterShapesOf that belong to it; the output layer is tied to the token embedding, so its
// matrix is counted once, in the embedding), its bytes in float32, its FLOPs for one token and the shape of
// its output for a text of T tokens.
//
// FLOPs: a multiply-add of a matrix product counts 2; other work 1 per element and operation, with these
// counts: LayerNorm 8 per channel (mean, variance, normalise, scale, shift), GELU 8 per unit (the tanh
// form), softmax 5 per score (max, subtract, exp, sum, divide), each residual add 1 per channel. Attention
// for a token at the end of T tokens reads T keys and values (4·C·T, with the scaling of the queries).

import { parameterShapesOf, type GPTConfig } from '../model';

export type BoxKind = 'tokenEmbedding' | 'positionEmbedding' | 'layerNorm' | 'attention' | 'add' | 'mlp' | 'output';

export interface ArchitectureBox {
  /** Stable id: "wte", "h.0.attn", "h.0.ln_1", "ln_f", "lm_head" … */
  id: string;
  kind: BoxKind;
  /** The block it belongs to (absent outside the blocks). */
  layer?: number;
  /** Parameter tensors of the box: name → shape. */
  tensors: Record<string, number[]>;
  parameters: number;
  /** parameters / the model's total. */
  share: number;
  /** parameters × 4 (float32). */
  bytes: number;
  flopsPerToken: number;
  /** The shape of what the box outputs for T tokens (attention: also its weights, H × T × T). */
  activation: number[];
  /** Further shapes inside the box, by name (per-head Wq, the scores, the MLP's hidden layer …). */
  inner: Record<string, number[]>;
  /** The output layer: the matrix it uses is the token embedding's (tied), counted there. */
  tiedTo?: string;
}

export interface Architecture {
  config: GPTConfig;
  /** T, the tokens the activation shapes and attention FLOPs are for. */
  tokens: number;
  boxes: ArchitectureBox[];
  total: { parameters: number; bytes: number; flopsPerToken: number };
}

const LAYER_NORM_FLOPS = 8;
const GELU_FLOPS = 8;
const SOFTMAX_FLOPS = 5;
const FLOAT32_BYTES = 4;

/** The architecture of a configuration for a text of `tokens` tokens (default: a full context). */
export function architecture(config: GPTConfig, tokens = config.contextLength): Architecture {
  const { vocabSize: V, nLayer, nHead: H, nEmbd: C } = config;
  const T = Math.max(1, Math.min(Math.floor(tokens), config.contextLength));
  const dh = C / H;
  const shapes = parameterShapesOf(config);
  const pick = (prefix: string) => Object.fromEntries(Object.entries(shapes).filter(([name]) => name === prefix || name.startsWith(`${prefix}.`)));
  const boxes: Omit<ArchitectureBox, 'parameters' | 'share' | 'bytes'>[] = [];
  boxes.push({ id: 'wte', kind: 'tokenEmbedding', tensors: pick('wte'), flopsPerToken: 0, activation: [T, C], inner: {} });
  boxes.push({
    id: 'wpe',
    kind: 'positionEmbedding',
    tensors: pick('wpe'),
    // the sum token + position
    flopsPerToken: C,
    activation: [T, C],
    inner: config.positional === 'sinusoidal' ? { sinusoidTable: [config.contextLength, C] } : {},
  });
  const layerNorm = (id: string, layer?: number) =>
    boxes.push({ id, kind: 'layerNorm', ...(layer !== undefined ? { layer } : {}), tensors: pick(id), flopsPerToken: LAYER_NORM_FLOPS * C, activation: [T, C], inner: {} });
  for (let l = 0; l < nLayer; l++) {
    const h = `h.${l}`;
    layerNorm(`${h}.ln_1`, l);
    boxes.push({
      id: `${h}.attn`,
      kind: 'attention',
      layer: l,
      tensors: pick(`${h}.attn`),
      // Q, K, V and the output projection with their biases; scaling q; q·k over T keys; softmax; weights·v
      flopsPerToken: 4 * (2 * C * C + C) + C + 2 * C * T + SOFTMAX_FLOPS * H * T + 2 * C * T,
      activation: [T, C],
      inner: { 'Wq per head': [C, dh], 'Wk per head': [C, dh], 'Wv per head': [C, dh], 'q, k, v': [H, T, dh], weights: [H, T, T], W_O: [C, C] },
    });
    boxes.push({ id: `${h}.add_1`, kind: 'add', layer: l, tensors: {}, flopsPerToken: C, activation: [T, C], inner: {} });
    layerNorm(`${h}.ln_2`, l);
    boxes.push({
      id: `${h}.mlp`,
      kind: 'mlp',
      layer: l,
      tensors: pick(`${h}.mlp`),
      flopsPerToken: 2 * C * 4 * C + 4 * C + GELU_FLOPS * 4 * C + 2 * 4 * C * C + C,
      activation: [T, C],
      inner: { hidden: [T, 4 * C] },
    });
    boxes.push({ id: `${h}.add_2`, kind: 'add', layer: l, tensors: {}, flopsPerToken: C, activation: [T, C], inner: {} });
  }
  layerNorm('ln_f');
  boxes.push({ id: 'lm_head', kind: 'output', tensors: {}, flopsPerToken: 2 * C * V, activation: [T, V], inner: { 'wteᵀ': [C, V] }, tiedTo: 'wte' });

  const count = (tensors: Record<string, number[]>) => Object.values(tensors).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  const counted = boxes.map((b) => ({ ...b, parameters: count(b.tensors) }));
  const parameters = counted.reduce((s, b) => s + b.parameters, 0);
  const done: ArchitectureBox[] = counted.map((b) => ({ ...b, share: parameters > 0 ? b.parameters / parameters : 0, bytes: b.parameters * FLOAT32_BYTES }));
  return {
    config,
    tokens: T,
    boxes: done,
    total: { parameters, bytes: parameters * FLOAT32_BYTES, flopsPerToken: done.reduce((s, b) => s + b.flopsPerToken, 0) },
  };
}
