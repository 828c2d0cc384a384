import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../src/engine/errors';
import {
  parseSafetensors,
  readSafetensors,
  SafetensorsError,
  serializeSafetensors,
  writeSafetensors,
  type SafeTensor,
} from '../../src/engine/safetensors';
import { requirements } from './requirements';

/** Builds a file from a header object and a byte buffer, for malformed cases. */
function rawFile(header: unknown, buffer: Uint8Array | number, pad = true): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const data = typeof buffer === 'number' ? new Uint8Array(buffer) : buffer;
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

function expectError(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes, '/ckpt/model.safetensors'),
    (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, `not a SafetensorsError: ${error}`);
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^\/ckpt\/model\.safetensors: /);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('\n'));
      return true;
    },
  );
}

/**
 * The Python the interop tests run (npm test sets up a virtual environment with safetensors and numpy,
 * see scripts/system-requirements.cjs); throws with the commands that set it up when it cannot run them.
 */
function python(): string {
  const interpreter = requirements.testPython();
  const problem = requirements.pythonProblem(interpreter);
  if (problem) throw new Error(`${problem}. Run npm test (it installs them), or: ${requirements.pythonInstallCommand()}`);
  return interpreter;
}

describe('safetensors', () => {
  const tensors = new Map<string, SafeTensor>([
    ['wte', { dtype: 'F32', shape: [3, 2], data: Float32Array.from([0.5, -1.25, 3, 1e-8, -0, Math.PI]) }],
    ['h.0.attn.c_q.bias', { dtype: 'F32', shape: [2], data: Float32Array.from([7, 8]) }],
    ['step', { dtype: 'I32', shape: [], data: Int32Array.from([123456]) }],
    ['ids', { dtype: 'I32', shape: [2, 2], data: Int32Array.from([-1, 0, 2147483647, -2147483648]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
  const metadata = { format: 'pt', note: 'zażółć 🦜' };

  it('writes the documented layout', () => {
    const bytes = serializeSafetensors({ a: { shape: [2], data: Float32Array.from([1, 2]) } }, { k: 'v' });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    assert.strictEqual(n % 8, 0, 'header padded to a multiple of 8');
    const header = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    assert.strictEqual(header.trimEnd(), '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    assert.match(header, /^\{.*\} *$/);
    assert.strictEqual(bytes.length, 8 + n + 8);
    assert.deepStrictEqual(Array.from(new Float32Array(bytes.slice(8 + n).buffer)), [1, 2]);
  });

  it('round-trips float32 and int32 tensors, shapes and metadata', () => {
    const bytes = serializeSafetensors(tensors, metadata);
    const back = parseSafetensors(bytes);
    assert.deepStrictEqual(back.metadata, metadata);
    assert.deepStrictEqual([...back.tensors.keys()], [...tensors.keys()]);
    for (const [name, t] of tensors) {
      const got = back.tensors.get(name)!;
      assert.strictEqual(got.dtype, t.dtype, name);
      assert.deepStrictEqual(got.shape, t.shape, name);
      assert.strictEqual(got.data.constructor, t.data.constructor, name);
      assert.deepStrictEqual(Array.from(got.data), Array.from(t.data), name);
    }
    assert.ok(Object.is(back.tensors.get('wte')!.data[4], -0), 'bit patterns are kept (-0)');
  });

  it('reads tensors whose data is not 4-byte aligned in the file', () => {
    // Another writer may leave the header unpadded: the reader copies into aligned memory.
    const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data, false);
    assert.deepStrictEqual(Array.from(parseSafetensors(bytes).tensors.get('x')!.data), [1.5, -2]);
  });

  it('writes and reads files', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lmx-st-'));
    try {
      const file = path.join(dir, 'x.safetensors');
      await writeSafetensors(file, tensors, metadata, { fsync: true });
      const back = await readSafetensors(file);
      assert.deepStrictEqual(Array.from(back.tensors.get('ids')!.data), [-1, 0, 2147483647, -2147483648]);
      await assert.rejects(readSafetensors(path.join(dir, 'missing.safetensors')), /missing\.safetensors: file is missing$/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  describe('rejects malformed files with a clear message', () => {
    const good = serializeSafetensors(tensors, metadata);
    const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });

    it('too short for the length', () => expectError(good.subarray(0, 5), /file is truncated \(expected at least 8 bytes, found 5\)/));
    it('truncated header', () => expectError(good.subarray(0, 40), /file is truncated \(expected at least \d+ bytes for the header, found 40\)/));
    it('truncated data', () => {
      const cut = good.length - 3;
      expectError(good.subarray(0, cut), new RegExp(`file is truncated \\(expected ${good.length} bytes, found ${cut}\\)`));
    });
    it('implausible header length', () => {
      const bytes = new Uint8Array(16);
      new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
      expectError(bytes, /header length 1099511627776 is implausible/);
    });
    it('header that is not JSON', () => expectError(rawFile('{"a": [1, 2', 0), /header is not valid JSON/));
    it('header length too small', () => expectError(rawFile('{', 0, false), /header length 1 is too small/));
    it('header that is an array', () => expectError(rawFile('[1]', 0), /does not start with "\{"/));
    it('unsupported dtype', () => expectError(rawFile({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /tensor "a" has dtype F16; only F32 and I32 are supported/));
    it('unknown dtype', () => expectError(rawFile({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, 4), /unknown dtype "Q4"/));
    it('bad shape', () => expectError(rawFile({ a: f32([2, -1], [0, 8]) }, 8), /tensor "a" has an invalid shape \[2,-1\]/));
    it('bad offsets', () => expectError(rawFile({ a: f32([2], [8, 0]) }, 8), /tensor "a" has invalid data_offsets \[8,0\]/));
    it('length that does not match the shape', () =>
      expectError(rawFile({ a: f32([2, 4], [0, 24]) }, 24), /tensor "a" has 24 bytes of data \(offsets \[0, 24\]\) but shape \[2,4\] of F32 needs 32/));
    it('offsets past the end of the file', () => expectError(rawFile({ a: f32([4], [0, 16]) }, 8), /file is truncated \(expected \d+ bytes, found \d+\)/));
    it('overlapping tensors', () =>
      expectError(rawFile({ a: f32([4], [0, 16]), b: f32([4], [8, 24]) }, 24), /tensors "a" and "b" overlap \(bytes \[0, 16\) and \[8, 24\)\)/));
    it('a gap between tensors', () => expectError(rawFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12), /4 bytes before tensor "b" belong to no tensor/));
    it('bytes after the last tensor', () => expectError(rawFile({ a: f32([1], [0, 4]) }, 12), /file has 8 bytes after the last tensor/));
    it('metadata that is not strings', () => expectError(rawFile({ __metadata__: { step: 3 } }, 0), /metadata "step" is not a string/));
    it('a header entry that is not an object', () => expectError(rawFile({ a: 5 }, 0), /tensor "a": header entry is not an object/));
  });

  it('refuses to write inconsistent tensors', () => {
    assert.throws(() => serializeSafetensors({ a: { shape: [3], data: new Float32Array(2) } }), /shape \[3\] needs 3 values, data has 2/);
    assert.throws(() => serializeSafetensors({ a: { dtype: 'I32', shape: [1], data: new Float32Array(1) } }), /dtype I32 does not match its F32 data/);
  });

  describe('interoperates with Python safetensors', () => {
    let dir: string;
    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lmx-st-py-'));
    });
    after(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('Python reads the files we write, with the same values', async () => {
      const file = path.join(dir, 'ours.safetensors');
      await writeSafetensors(file, tensors, metadata);
      const script = [
        'import json, sys',
        'from safetensors import safe_open',
        'out = {}',
        'with safe_open(sys.argv[1], framework="np") as f:',
        '    out["__metadata__"] = f.metadata()',
        '    for k in f.keys():',
        '        t = f.get_tensor(k)',
        '        out[k] = {"dtype": str(t.dtype), "shape": list(t.shape), "values": t.reshape(-1).tolist()}',
        'print(json.dumps(out))',
      ].join('\n');
      const result = spawnSync(python(), ['-c', script, file], { encoding: 'utf8' });
      assert.strictEqual(result.status, 0, result.stderr);
      const seen = JSON.parse(result.stdout);
      assert.deepStrictEqual(seen.__metadata__, metadata);
      for (const [name, t] of tensors) {
        assert.strictEqual(seen[name].dtype, t.dtype === 'F32' ? 'float32' : 'int32', name);
        assert.deepStrictEqual(seen[name].shape, t.shape, name);
        assert.deepStrictEqual(seen[name].values, Array.from(t.data, (v) => (Object.is(v, -0) ? -0 : v)), name);
      }
    });

    it('we read the files Python writes, with the same values', async () => {
      const file = path.join(dir, 'theirs.safetensors');
      const script = [
        'import sys, numpy as np',
        'from safetensors.numpy import save_file',
        'save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 4, "n": np.array([[-5], [9]], dtype=np.int32), "s": np.array(2.5, dtype=np.float32)},',
        '          sys.argv[1], metadata={"format": "np"})',
      ].join('\n');
      const result = spawnSync(python(), ['-c', script, file], { encoding: 'utf8' });
      assert.strictEqual(result.status, 0, result.stderr);
      const back = await readSafetensors(file);
      assert.deepStrictEqual(back.metadata, { format: 'np' });
      assert.deepStrictEqual(back.tensors.get('w')!.shape, [2, 3]);
      assert.deepStrictEqual(Array.from(back.tensors.get('w')!.data), [0, 0.25, 0.5, 0.75, 1, 1.25]);
      assert.strictEqual(back.tensors.get('n')!.dtype, 'I32');
      assert.deepStrictEqual(Array.from(back.tensors.get('n')!.data), [-5, 9]);
      assert.deepStrictEqual(back.tensors.get('s')!.shape, []);
      assert.deepStrictEqual(Array.from(back.tensors.get('s')!.data), [2.5]);
    });
  });
});
