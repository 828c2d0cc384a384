import * as assert from 'node:assert/strict';
import {
  contextFit,
  encodingsNeeded,
  fitDescription,
  fitDetail,
  fitLabel,
  formatPercent,
  formatWindow,
  MODEL_WINDOWS,
  type ModelWindow,
} from '../../src/features/contextFit';

describe('contextFit', () => {
  const table: ModelWindow[] = [
    { name: 'Small', vendor: 'OpenAI', contextTokens: 1_000, encoding: 'r50k_base', exact: true },
    { name: 'Big', vendor: 'OpenAI', contextTokens: 128_000, encoding: 'o200k_base', exact: true },
    { name: 'Guess', vendor: 'Meta', contextTokens: 8_192, encoding: 'cl100k_base', exact: false, note: 'estimate' },
  ];

  it('compares each count with the model window, in that model’s encoding', () => {
    const rows = contextFit({ r50k_base: 1_500, o200k_base: 1_200, cl100k_base: 8_192 }, table);
    assert.deepEqual(
      rows.map((r) => [r.model.name, r.tokens, r.fits, r.remaining]),
      [
        ['Small', 1_500, false, -500],
        ['Big', 1_200, true, 126_800],
        ['Guess', 8_192, true, 0], // exactly full still fits
      ],
    );
    assert.equal(rows[0].percent, 150);
    assert.ok(Math.abs(rows[1].percent - 0.9375) < 1e-12);
    assert.equal(rows[2].percent, 100);
  });

  it('fails loudly when a needed count is missing', () => {
    assert.throws(() => contextFit({ o200k_base: 1 }, table), /r50k_base/);
  });

  it('asks only for the encodings the table uses', () => {
    assert.deepEqual(encodingsNeeded(table).sort(), ['cl100k_base', 'o200k_base', 'r50k_base']);
    assert.deepEqual(encodingsNeeded().sort(), ['cl100k_base', 'o200k_base', 'r50k_base']);
  });

  it('knows the well-known windows', () => {
    const byName = new Map(MODEL_WINDOWS.map((m) => [m.name, m]));
    assert.equal(byName.get('GPT-4o')?.contextTokens, 128_000);
    assert.equal(byName.get('GPT-4o')?.encoding, 'o200k_base');
    assert.equal(byName.get('GPT-4.1')?.contextTokens, 1_047_576);
    assert.equal(byName.get('Claude 3 / 3.5')?.contextTokens, 200_000);
    assert.equal(byName.get('Gemini 1.5 Pro')?.contextTokens, 2_097_152);
    assert.equal(byName.get('Llama 3')?.contextTokens, 8_192);
    assert.equal(byName.get('Llama 3.1')?.contextTokens, 131_072);
    assert.equal(byName.get('Mistral 7B')?.contextTokens, 32_768);
    assert.equal(byName.get('Mixtral 8x7B')?.contextTokens, 32_768);
    // Only OpenAI counts are exact.
    for (const m of MODEL_WINDOWS) assert.equal(m.exact, m.vendor === 'OpenAI', m.name);
  });

  it('formats percentages and windows the way people read them', () => {
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.04), '<0.1%');
    assert.equal(formatPercent(0.94), '0.9%');
    assert.equal(formatPercent(3), '3%');
    assert.equal(formatPercent(3.46), '3.5%');
    assert.equal(formatPercent(87.4), '87%');
    assert.equal(formatPercent(250), '250%');
    assert.equal(formatWindow(8_192), '8k');
    assert.equal(formatWindow(128_000), '128k');
    assert.equal(formatWindow(131_072), '131k');
    assert.equal(formatWindow(1_047_576), '1M');
    assert.equal(formatWindow(2_097_152), '2M');
    assert.equal(formatWindow(1_024), '1k');
    assert.equal(formatWindow(512), '512');
  });

  it('labels rows with ✓ / ✗ and says when a count is an estimate', () => {
    const [small, big, guess] = contextFit({ r50k_base: 1_500, o200k_base: 1_200, cl100k_base: 100 }, table);
    assert.equal(fitLabel(small), '✗ Small');
    assert.equal(fitLabel(big), '✓ Big');
    assert.equal(fitDescription(small), 'does not fit · 1,500 of 1k tokens · 150% used · 500 too many');
    assert.equal(fitDescription(big), 'fits · 1,200 of 128k tokens · 0.9% used');
    assert.match(fitDetail(big), /exact/);
    assert.match(fitDetail(guess), /estimate with cl100k_base — estimate/);
  });
});
