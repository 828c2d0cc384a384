// The safetensors file format (https://huggingface.co/docs/safetensors), float32 and int32 tensors only:
//
//   8 bytes      N, the header's length, unsigned 64-bit little-endian
//   N bytes      the header: a JSON object, padded with spaces to a multiple of 8 bytes.
//                { "name": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, …,
//                  "__metadata__": { "key": "string value", … } }
//   the rest     the byte buffer: each tensor's little-endian values, row-major, at [begin, end) of the buffer,
//                the tensors one after another with no gaps, in the order of their offsets.
//
// Reading checks everything the reference implementation checks (lengths, offsets inside the file, no overlap
// and no gap, known dtypes) and says what is wrong in one line naming the file.

import { promises as fs } from 'fs';
import { UserError } from './errors';

export type SafetensorsDType = 'F32' | 'I32';

export interface SafeTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export type TensorInput = SafeTensor | { shape: number[]; data: Float32Array | Int32Array };

export interface SafetensorsFile {
  /** In the order of their offsets in the file. */
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** What is wrong with a safetensors file; the message is "<file>: <what is wrong>". */
export class SafetensorsError extends UserError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = { F32: 4, I32: 4 };
/** dtypes of the format that this reader recognises but does not load. */
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'U32', 'I64', 'U64', 'F64'];
/** The reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function dtypeOf(t: TensorInput, name: string): SafetensorsDType {
  const declared = (t as SafeTensor).dtype;
  const actual: SafetensorsDType | undefined = t.data instanceof Float32Array ? 'F32' : t.data instanceof Int32Array ? 'I32' : undefined;
  if (!actual) throw new TypeError(`tensor "${name}": data must be a Float32Array or an Int32Array`);
  if (declared !== undefined && declared !== actual) throw new TypeError(`tensor "${name}": dtype ${declared} does not match its ${actual} data`);
  return actual;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Serialises tensors (in the order given) and string metadata into the bytes of a safetensors file. */
export function serializeSafetensors(
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new TypeError(`metadata "${key}" must be a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === METADATA_KEY) throw new TypeError(`"${METADATA_KEY}" cannot be a tensor name`);
    const dtype = dtypeOf(tensor, name);
    if (!tensor.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new TypeError(`tensor "${name}": bad shape [${tensor.shape}]`);
    if (elementCount(tensor.shape) !== tensor.data.length) {
      throw new TypeError(`tensor "${name}": shape [${tensor.shape}] needs ${elementCount(tensor.shape)} values, data has ${tensor.data.length}`);
    }
    const bytes = tensor.data.length * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, tensor] of entries) {
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    out.set(bytes, at); // typed arrays are little-endian on every platform Node runs on
    at += bytes.length;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses and validates the bytes of a safetensors file. `file` names it in error messages. */
export function parseSafetensors(bytes: Uint8Array, file = 'safetensors data'): SafetensorsFile {
  function fail(detail: string): never {
    throw new SafetensorsError(file, detail);
  }
  if (bytes.length < 8) fail(`file is truncated (expected at least 8 bytes, found ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} is implausible (over ${MAX_HEADER_BYTES} bytes); this is not a safetensors file`);
  const headerLength = Number(declared);
  if (headerLength < 2) fail(`header length ${headerLength} is too small for a JSON object`);
  if (8 + headerLength > bytes.length) fail(`file is truncated (expected at least ${8 + headerLength} bytes for the header, found ${bytes.length})`);
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!headerText.startsWith('{')) fail('header does not start with "{"; this is not a safetensors file');
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (error) {
    return fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`"${METADATA_KEY}" is not an object of strings`);
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata "${key}" is not a string`);
        metadata[key] = v as string;
      }
      continue;
    }
    entries.push(parseEntry(name, value, fail));
  }

  // Tensors must tile the byte buffer: sorted by offset, each starting where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  let expectedEnd = 0;
  for (const e of entries) expectedEnd = Math.max(expectedEnd, e.end);
  if (expectedEnd > bufferLength) fail(`file is truncated (expected ${bufferStart + expectedEnd} bytes, found ${bytes.length})`);
  let previous: HeaderEntry | undefined;
  let at = 0;
  for (const e of entries) {
    if (e.begin < at) {
      fail(`tensors "${previous!.name}" and "${e.name}" overlap (bytes [${previous!.begin}, ${previous!.end}) and [${e.begin}, ${e.end}))`);
    }
    if (e.begin > at) {
      fail(`${e.begin - at} bytes before tensor "${e.name}" belong to no tensor (offsets must be contiguous)`);
    }
    at = e.end;
    previous = e;
  }
  if (at < bufferLength) fail(`file has ${bufferLength - at} bytes after the last tensor (expected ${bufferStart + at} bytes, found ${bytes.length})`);

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const start = bytes.byteOffset + bufferStart + e.begin;
    const length = (e.end - e.begin) / BYTES_PER_ELEMENT[e.dtype];
    // Copy, so the tensor owns aligned memory and the file's buffer can be freed.
    const raw = bytes.buffer.slice(start, start + (e.end - e.begin));
    const data = e.dtype === 'F32' ? new Float32Array(raw, 0, length) : new Int32Array(raw, 0, length);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

function parseEntry(name: string, value: unknown, fail: (detail: string) => never): HeaderEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`tensor "${name}": header entry is not an object`);
  const o = value as Record<string, unknown>;
  const dtype = o.dtype;
  if (typeof dtype !== 'string') fail(`tensor "${name}" has no "dtype"`);
  if (dtype !== 'F32' && dtype !== 'I32') {
    fail(
      OTHER_DTYPES.includes(dtype as string)
        ? `tensor "${name}" has dtype ${dtype}; only F32 and I32 are supported`
        : `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`,
    );
  }
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
  }
  const offsets = o.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end] with 0 ≤ begin ≤ end)`);
  }
  const [begin, end] = offsets as [number, number];
  const dims = shape as number[];
  const needed = elementCount(dims) * BYTES_PER_ELEMENT[dtype as SafetensorsDType];
  if (end - begin !== needed) {
    fail(`tensor "${name}" has ${end - begin} bytes of data (offsets [${begin}, ${end}]) but shape [${dims}] of ${dtype} needs ${needed}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: dims.slice(), begin, end };
}

/** Writes a safetensors file (not atomically: checkpoint.ts writes into a temporary folder first). */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Record<string, string>,
  options: { fsync?: boolean } = {},
): Promise<void> {
  const bytes = serializeSafetensors(tensors, metadata);
  const handle = await fs.open(path, 'w');
  try {
    await handle.writeFile(bytes);
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads and validates a safetensors file; every problem is a SafetensorsError naming the file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SafetensorsError(path, code === 'ENOENT' ? 'file is missing' : `cannot be read (${code ?? (error as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}
