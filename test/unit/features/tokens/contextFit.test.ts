import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  contextFit,
  encodingsNeeded,
  fitDescription,
  fitDetail,
  fitLabel,
  formatPercent,
  formatTokens,
  MODEL_WINDOWS,
  readModelWindows,
  type ModelWindow,
} from '../../../../src/features/tokens/core/contextFit';

describe('contextFit', () => {
  const table: ModelWindow[] = [
    { name: 'Small', vendor: 'OpenAI', contextTokens: 1_000, encoding: 'r50k_base' },
    { name: 'Big', vendor: 'OpenAI', contextTokens: 128_000, encoding: 'o200k_base' },
    { name: 'Guess', vendor: 'Meta', contextTokens: 8_192, note: 'its own tokenizer' },
  ];

  it('compares each count with the model window, in that model’s encoding or else the selected one', () => {
    const rows = contextFit({ r50k_base: 1_500, o200k_base: 1_200, cl100k_base: 8_192 }, 'cl100k_base', table);
    assert.deepEqual(
      rows.map((r) => [r.model.name, r.encoding, r.exact, r.tokens, r.fits, r.remaining]),
      [
        ['Small', 'r50k_base', true, 1_500, false, -500],
        ['Big', 'o200k_base', true, 1_200, true, 126_800],
        ['Guess', 'cl100k_base', false, 8_192, true, 0], // exactly full still fits
      ],
    );
    assert.equal(rows[0].percent, 150);
    assert.ok(Math.abs(rows[1].percent - 0.9375) < 1e-12);
    assert.equal(rows[2].percent, 100);
    // another selected encoding changes the estimates only
    const r50k = contextFit({ r50k_base: 1_500, o200k_base: 1_200 }, 'r50k_base', table);
    assert.deepEqual(r50k.map((r) => r.tokens), [1_500, 1_200, 1_500]);
  });

  it('fails loudly when a needed count is missing', () => {
    assert.throws(() => contextFit({ o200k_base: 1 }, 'o200k_base', table), /r50k_base/);
  });

  it('asks for the selected encoding and each model’s own', () => {
    assert.deepEqual(encodingsNeeded('cl100k_base', table).sort(), ['cl100k_base', 'o200k_base', 'r50k_base']);
    assert.deepEqual(encodingsNeeded('p50k_base', table).sort(), ['o200k_base', 'p50k_base', 'r50k_base']);
    assert.deepEqual(encodingsNeeded('char', []), ['char']);
  });

  it('ships a dated list of current models, read from its data file', () => {
    const file = path.join(__dirname, '../../../../src/features/tokens/core/contextWindows.json');
    assert.deepEqual(readModelWindows(JSON.parse(fs.readFileSync(file, 'utf8'))), MODEL_WINDOWS);
    assert.match(MODEL_WINDOWS.asOf, /^20\d\d-\d\d-\d\d$/);
    const byName = new Map(MODEL_WINDOWS.models.map((m) => [m.name, m]));
    assert.equal(byName.get('GPT-4o')?.contextTokens, 128_000);
    assert.equal(byName.get('GPT-4o')?.encoding, 'o200k_base');
    assert.equal(byName.get('GPT-4.1')?.contextTokens, 1_047_576);
    assert.equal(byName.get('GPT-5')?.contextTokens, 400_000);
    assert.equal(byName.get('Claude Sonnet 4.5')?.contextTokens, 200_000);
    assert.equal(byName.get('Gemini 2.5 Pro')?.contextTokens, 1_048_576);
    assert.equal(byName.get('Llama 3.1 / 3.3')?.contextTokens, 131_072);
    assert.equal(byName.get('GPT-2')?.encoding, 'r50k_base');
    // Only OpenAI models have their encoding here (gpt-tokenizer ships no other vendor's).
    for (const m of MODEL_WINDOWS.models) assert.equal(m.encoding !== undefined, m.vendor === 'OpenAI', m.name);
  });

  it('says what is wrong with a broken list', () => {
    const good = { format: 'lmx-context-windows', asOf: '2026-12-01', models: [{ name: 'A', vendor: 'V', contextTokens: 10 }] };
    assert.equal(readModelWindows(good).models[0].name, 'A');
    assert.throws(() => readModelWindows({ ...good, asOf: 'late 2026' }), /asOf/);
    assert.throws(() => readModelWindows({ ...good, models: [{ name: 'A', vendor: 'V', contextTokens: '128k' }] }), /A.*contextTokens/);
    assert.throws(() => readModelWindows({ ...good, models: [{ name: 'A', vendor: 'V', contextTokens: 1, encoding: 'gpt5' }] }), /not a GPT encoding/);
    assert.throws(() => readModelWindows({ ...good, models: [good.models[0], good.models[0]] }), /twice/);
    assert.throws(() => readModelWindows([]), /format/);
  });

  it('formats percentages and writes every size one way, in full', () => {
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.04), '<0.1%');
    assert.equal(formatPercent(0.94), '0.9%');
    assert.equal(formatPercent(3), '3%');
    assert.equal(formatPercent(3.46), '3.5%');
    assert.equal(formatPercent(87.4), '87%');
    assert.equal(formatPercent(250), '250%');
    assert.equal(formatTokens(131_072), '131,072');
    assert.equal(formatTokens(128_000), '128,000');
    assert.equal(formatTokens(512), '512');
  });

  it('labels rows with ✓ / ✗ and says when a count is an estimate, and with which encoding', () => {
    const [small, big, guess] = contextFit({ r50k_base: 1_500, o200k_base: 1_200, cl100k_base: 100 }, 'cl100k_base', table);
    assert.equal(fitLabel(small), '✗ Small');
    assert.equal(fitLabel(big), '✓ Big');
    assert.equal(fitDescription(small), 'does not fit · 1,500 of 1,000 tokens · 150% used · 500 too many');
    assert.equal(fitDescription(big), 'fits · 1,200 of 128,000 tokens · 0.9% used');
    assert.match(fitDetail(big), /counted with o200k_base, its own encoding \(exact\)/);
    assert.equal(fitDetail(guess), 'Meta · estimated with cl100k_base, the selected encoding — its own tokenizer');
  });
});
