// The memory estimate that refuses a training run before it allocates anything.
import * as assert from 'assert';
import { UserError } from '../../src/engine/errors';
import { assertTrainingFits, formatBytes, memoryLimit, RUNTIME_BYTES, trainingMemoryBytes } from '../../src/engine/memory';
import type { GPTConfig } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/presets';

const small = (contextLength: number): GPTConfig => ({ ...PRESETS.small, contextLength, vocabSize: 8192 });
const GB = 1024 ** 3;

describe('training memory estimate', () => {
  it('counts the attention scores, which grow with the square of the context', () => {
    const at = (t: number) => trainingMemoryBytes(small(t), 16) - RUNTIME_BYTES;
    // (B, H, T, T) floats: 6 per layer, for 4 layers and one more for the backward pass
    const scores = (t: number) => 4 * 6 * 16 * 4 * t * t * 5;
    assert.ok(at(8192) > scores(8192), `${formatBytes(at(8192))}`);
    assert.ok(at(8192) > 200 * GB, 'the context 8192 that exhausted a machine');
    assert.ok(at(128) < 1 * GB, `the small preset as it is: ${formatBytes(at(128))}`);
    assert.ok(trainingMemoryBytes(small(512), 32) > trainingMemoryBytes(small(512), 16), 'and with the batch');
  });

  it('refuses in one line that names the estimate and the limit', () => {
    const limit = { bytes: 4 * GB, description: '75% of a test machine' };
    assert.throws(
      () => assertTrainingFits(small(8192), 16, limit),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(
          error.message,
          /^Training this model needs about \d+ GB of memory \(context 8192, batch 16, 4 layers, 4 heads, 128 channels, vocabulary 8192\), more than the 4\.0 GB allowed \(75% of a test machine\); use a shorter context or a smaller batch\.$/,
        );
        return true;
      },
    );
    assert.doesNotThrow(() => assertTrainingFits(small(128), 16, limit));
  });

  it('takes its limit from the machine, or from LMX_MEMORY_LIMIT_MB', () => {
    const saved = process.env.LMX_MEMORY_LIMIT_MB;
    try {
      delete process.env.LMX_MEMORY_LIMIT_MB;
      const machine = memoryLimit();
      assert.ok(machine.bytes > 0);
      assert.match(machine.description, /^75% of this (machine's|process's memory limit of) [\d.]+ (MB|GB|TB)$/);
      process.env.LMX_MEMORY_LIMIT_MB = '512';
      assert.deepStrictEqual(memoryLimit(), { bytes: 512 * 1024 * 1024, description: 'LMX_MEMORY_LIMIT_MB' });
    } finally {
      if (saved === undefined) delete process.env.LMX_MEMORY_LIMIT_MB;
      else process.env.LMX_MEMORY_LIMIT_MB = saved;
    }
  });
});
