// The transformers GPT-2 format (GPT2LMHeadModel): its config.json and its tensors, to and from the engine's.
//
// The two models compute the same thing: pre-LayerNorm blocks, causal attention with biases scaled by
// 1/√dh, a 4× MLP, ln_f and an output layer tied to wte. The differences are of layout only:
//   - transformers' Conv1D stores a weight (in, out), as the engine does: no transpose anywhere;
//   - its attention has one c_attn (C, 3C), the engine's c_q | c_k | c_v side by side;
//   - it always has a learned position table: a model with fixed positions is exported with the sinusoidal
//     table as wpe (the same numbers, which further training may then change);
//   - tensor names carry the "transformer." prefix (GPT2LMHeadModel.save_pretrained) or none (GPT2Model, and
//     some files on the hub), and may include the attention's mask buffers (attn.bias, attn.masked_bias).
// The engine's exact GELU is transformers' "gelu" (torch's erf GELU); GPT-2's own is "gelu_new", the tanh form.

import { numerics, parameterShapesOf, sinusoidTable, validateConfig, type Activation, type GPTConfig } from '../model';
import type { SafeTensor } from '../safetensors';
import { HfFormatError } from './errors';

export const GPT2_MODEL_TYPE = 'gpt2';
/** The longest context an imported model may have: GPT-2's own (the causal mask is contextLength² floats). */
export const MAX_IMPORT_CONTEXT = 1024;

/** transformers' names of the engine's activations. */
const HF_ACTIVATION: Record<Activation, string> = { gelu: 'gelu', gelu_tanh: 'gelu_new' };
/** transformers' activations the engine computes, by transformers' name (gelu_fast and gelu_pytorch_tanh are gelu_new's formula). */
const ENGINE_ACTIVATION: Record<string, Activation> = { gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', gelu_fast: 'gelu_tanh' };

/** What LM Explorer writes into an exported config.json besides transformers' fields (marks the folder as its own). */
export interface LmxExportInfo {
  engine: string;
  /** The model's vocabulary: a GPT encoding it is a subset of, or 'char'. */
  tokenizer: string;
  positional: GPTConfig['positional'];
  created: string;
  step: number;
}

/** config.json of a GPT2LMHeadModel for an engine model. */
export function gpt2Config(config: GPTConfig, specials: { sep: number }, lmx: LmxExportInfo): Record<string, unknown> {
  const { activation, layerNormEpsilon } = numerics(config);
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: GPT2_MODEL_TYPE,
    vocab_size: config.vocabSize,
    n_positions: config.contextLength,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: HF_ACTIVATION[activation],
    layer_norm_epsilon: layerNormEpsilon,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    use_cache: true,
    // The document separator: what LM Explorer puts between documents.
    bos_token_id: specials.sep,
    eos_token_id: specials.sep,
    torch_dtype: 'float32',
    lmx_export: lmx,
  };
}

/** The engine configuration of a GPT-2 config.json; anything it cannot compute is an HfFormatError naming the field. */
export function engineConfigOf(json: unknown, file: string): GPTConfig {
  const fail = (detail: string): never => {
    throw new HfFormatError(file, detail);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.model_type !== GPT2_MODEL_TYPE) {
    fail(`"model_type" is ${JSON.stringify(c.model_type)}; LM Explorer imports GPT-2 models ("model_type": "gpt2") only`);
  }
  const int = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`"${key}" ${JSON.stringify(v)} is not a positive integer`);
    return v as number;
  };
  const nEmbd = int('n_embd');
  if (c.n_inner !== undefined && c.n_inner !== null && c.n_inner !== 4 * nEmbd) {
    fail(`"n_inner" ${JSON.stringify(c.n_inner)} is not 4 × n_embd (${4 * nEmbd}); the engine's MLP is 4× wide`);
  }
  const hfActivation = c.activation_function ?? 'gelu_new';
  const activation = typeof hfActivation === 'string' ? ENGINE_ACTIVATION[hfActivation] : undefined;
  if (!activation) {
    fail(`"activation_function" ${JSON.stringify(hfActivation)} is not supported (supported: ${Object.keys(ENGINE_ACTIVATION).join(', ')})`);
  }
  for (const [key, wanted] of [
    ['scale_attn_weights', true],
    ['scale_attn_by_inverse_layer_idx', false],
    ['reorder_and_upcast_attn', false],
    ['add_cross_attention', false],
    ['tie_word_embeddings', true],
  ] as const) {
    if (c[key] !== undefined && c[key] !== wanted) fail(`"${key}": ${JSON.stringify(c[key])} is not supported (only ${wanted})`);
  }
  const contextLength = int('n_positions');
  if (contextLength > MAX_IMPORT_CONTEXT) fail(`"n_positions" ${contextLength} is over ${MAX_IMPORT_CONTEXT}, the longest context LM Explorer runs`);
  const eps = c.layer_norm_epsilon ?? 1e-5;
  try {
    return validateConfig({
      vocabSize: int('vocab_size'),
      contextLength,
      nLayer: int('n_layer'),
      nHead: int('n_head'),
      nEmbd,
      positional: 'learned',
      activation: activation as Activation,
      layerNormEpsilon: eps as number,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** The engine's weights as GPT2LMHeadModel's tensors ("transformer." names, c_attn = q | k | v, wpe always). */
export function gpt2Tensors(config: GPTConfig, weights: Map<string, Float32Array>): Map<string, SafeTensor> {
  const { vocabSize: V, contextLength: ctx, nLayer, nEmbd: C } = config;
  const get = (name: string): Float32Array => {
    const data = weights.get(name);
    if (!data) throw new Error(`No weights for ${name}`);
    return data;
  };
  const out = new Map<string, SafeTensor>();
  const put = (name: string, shape: number[], data: Float32Array) => out.set(`transformer.${name}`, { dtype: 'F32', shape, data });
  put('wte.weight', [V, C], get('wte'));
  put('wpe.weight', [ctx, C], config.positional === 'learned' ? get('wpe') : sinusoidTable(ctx, C));
  for (let i = 0; i < nLayer; i++) {
    const h = `h.${i}`;
    for (const ln of ['ln_1', 'ln_2']) {
      put(`${h}.${ln}.weight`, [C], get(`${h}.${ln}.weight`));
      put(`${h}.${ln}.bias`, [C], get(`${h}.${ln}.bias`));
    }
    const qkv = ['c_q', 'c_k', 'c_v'].map((p) => `${h}.attn.${p}`);
    put(`${h}.attn.c_attn.weight`, [C, 3 * C], interleaveColumns(qkv.map((p) => get(`${p}.weight`)), C, C));
    put(`${h}.attn.c_attn.bias`, [3 * C], interleaveColumns(qkv.map((p) => get(`${p}.bias`)), 1, C));
    for (const [name, shape] of [
      ['attn.c_proj', [C, C]],
      ['mlp.c_fc', [C, 4 * C]],
      ['mlp.c_proj', [4 * C, C]],
    ] as const) {
      put(`${h}.${name}.weight`, [...shape], get(`${h}.${name}.weight`));
      put(`${h}.${name}.bias`, [shape[1]], get(`${h}.${name}.bias`));
    }
  }
  put('ln_f.weight', [C], get('ln_f.weight'));
  put('ln_f.bias', [C], get('ln_f.bias'));
  return out;
}

/** Row r of the result is row r of each part, side by side: parts (rows, cols) → (rows, parts·cols). */
function interleaveColumns(parts: Float32Array[], rows: number, cols: number): Float32Array {
  const width = parts.length * cols;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    parts.forEach((part, p) => out.set(part.subarray(r * cols, (r + 1) * cols), r * width + p * cols));
  }
  return out;
}

/** Buffers a GPT-2 file may hold that are not parameters (the causal mask, older versions' masked_bias). */
const BUFFER_NAME = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * The engine's weights from a GPT-2 file's tensors, each checked against the configuration's shapes;
 * every problem is an HfFormatError naming the tensor.
 */
export function engineWeightsOf(config: GPTConfig, tensors: Map<string, SafeTensor>, file: string): Map<string, Float32Array> {
  const fail = (detail: string): never => {
    throw new HfFormatError(file, detail);
  };
  const { nLayer, nEmbd: C } = config;
  const byName = new Map<string, SafeTensor>();
  let lmHead: SafeTensor | undefined;
  for (const [fullName, tensor] of tensors) {
    const name = fullName.startsWith('transformer.') ? fullName.slice('transformer.'.length) : fullName;
    if (name === 'lm_head.weight') lmHead = tensor;
    else if (!BUFFER_NAME.test(name)) byName.set(name, tensor);
  }
  const expected: Record<string, number[]> = { 'wte.weight': [config.vocabSize, C], 'wpe.weight': [config.contextLength, C], 'ln_f.weight': [C], 'ln_f.bias': [C] };
  for (let i = 0; i < nLayer; i++) {
    const h = `h.${i}`;
    Object.assign(expected, {
      [`${h}.ln_1.weight`]: [C],
      [`${h}.ln_1.bias`]: [C],
      [`${h}.attn.c_attn.weight`]: [C, 3 * C],
      [`${h}.attn.c_attn.bias`]: [3 * C],
      [`${h}.attn.c_proj.weight`]: [C, C],
      [`${h}.attn.c_proj.bias`]: [C],
      [`${h}.ln_2.weight`]: [C],
      [`${h}.ln_2.bias`]: [C],
      [`${h}.mlp.c_fc.weight`]: [C, 4 * C],
      [`${h}.mlp.c_fc.bias`]: [4 * C],
      [`${h}.mlp.c_proj.weight`]: [4 * C, C],
      [`${h}.mlp.c_proj.bias`]: [C],
    });
  }
  for (const name of byName.keys()) {
    if (!(name in expected)) fail(`unexpected tensor "${name}" (not a parameter of a GPT-2 with ${nLayer} layers)`);
  }
  const data = (name: string): Float32Array => {
    const t = byName.get(name);
    const shape = expected[name];
    if (!t) return fail(`tensor "${name}" (shape [${shape}]) is missing`);
    if (t.dtype !== 'F32') return fail(`tensor "${name}" has dtype ${t.dtype}, expected a floating-point type`);
    if (t.shape.join() !== shape.join()) fail(`tensor "${name}" has shape [${t.shape}], but config.json makes it [${shape}]`);
    return t.data as Float32Array;
  };
  const wte = data('wte.weight');
  if (lmHead && !sameValues(lmHead.data as Float32Array, wte)) {
    fail('"lm_head.weight" differs from the token embedding; LM Explorer runs GPT-2 models whose output layer is tied to it');
  }
  const weights = new Map<string, Float32Array>([
    ['wte', wte],
    ['wpe', data('wpe.weight')],
  ]);
  for (let i = 0; i < nLayer; i++) {
    const h = `h.${i}`;
    const qkvWeight = data(`${h}.attn.c_attn.weight`);
    const qkvBias = data(`${h}.attn.c_attn.bias`);
    ['c_q', 'c_k', 'c_v'].forEach((p, k) => {
      weights.set(`${h}.attn.${p}.weight`, columnBlock(qkvWeight, C, 3 * C, k * C, C));
      weights.set(`${h}.attn.${p}.bias`, qkvBias.slice(k * C, (k + 1) * C));
    });
    for (const name of ['ln_1.weight', 'ln_1.bias', 'ln_2.weight', 'ln_2.bias', 'attn.c_proj.weight', 'attn.c_proj.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias']) {
      weights.set(`${h}.${name}`, data(`${h}.${name}`));
    }
  }
  weights.set('ln_f.weight', data('ln_f.weight'));
  weights.set('ln_f.bias', data('ln_f.bias'));
  // Every parameter of the engine's model is there, with its size (a check of this file's own mapping).
  for (const [name, shape] of Object.entries(parameterShapesOf(config))) {
    if (weights.get(name)?.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`GPT-2 mapping left ${name} out`);
  }
  return weights;
}

/** Columns [from, from + cols) of a (rows, width) matrix. */
function columnBlock(m: Float32Array, rows: number, width: number, from: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * width + from, r * width + from + cols), r * cols);
  return out;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
