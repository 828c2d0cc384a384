// The attention panel's pure logic (src/features/attention/core/): packing, aggregates, colour scale,
// label layout, geometry and hit testing, texts, and following edits.
import * as assert from 'assert';
import { axisLabels, barsLayout, cellAt, filterIndices, fitLabel, heatmapLayout, labelStep, thumbnailAt, thumbnailGrid } from '../../../../src/features/attention/core/mapLayout';
import { base64ToFloat32, checkMaps, float32ToBase64, headMap, meanOverHeads, packAttention, quantize16, queryAcrossHeads, toFloat32, unpackAttention } from '../../../../src/features/attention/core/attentionMaps';
import { buildLut, legendTicks, luminance, mapMax, over, paintMap, parseColour, scalePosition, scaleValue, themeRamp } from '../../../../src/features/attention/core/colourScale';
import { exportBaseName, hoverText, shiftRange, tokenIndexAt, truncationNotice } from '../../../../src/features/attention/core/panelText';
import { setDisplayLanguage } from '../../../../src/l10n/format';

/** A causal softmax of seeded pseudo-random scores: rows sum to 1, zero above the diagonal. */
function randomAttention(L: number, H: number, T: number, seed = 1): number[][][][] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: L }, () =>
    Array.from({ length: H }, () =>
      Array.from({ length: T }, (_, q) => {
        const e = Array.from({ length: T }, (_, k) => (k <= q ? Math.exp(3 * rand()) : 0));
        const sum = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / sum);
      }),
    ),
  );
}

describe('attention view: data', () => {
  const nested = randomAttention(3, 2, 5);
  const maps = packAttention(nested);

  it('packs [layer][head][query][key] into one Float32Array, row-major', () => {
    assert.deepStrictEqual([maps.nLayer, maps.nHead, maps.T, maps.weights.length], [3, 2, 5, 3 * 2 * 25]);
    for (let l = 0; l < 3; l++)
      for (let h = 0; h < 2; h++)
        for (let q = 0; q < 5; q++)
          for (let k = 0; k < 5; k++) assert.strictEqual(maps.weights[((l * 2 + h) * 5 + q) * 5 + k], Math.fround(nested[l][h][q][k]));
    assert.strictEqual(headMap(maps, 2, 1)[3 * 5 + 2], Math.fround(nested[2][1][3][2]));
  });

  it('unpacks to the same nested arrays', () => {
    const back = unpackAttention(maps);
    assert.strictEqual(back.length, 3);
    assert.strictEqual(back[1][1][4][2], Math.fround(nested[1][1][4][2]));
  });

  it('rejects ragged input with a message', () => {
    assert.throws(() => packAttention([[[[1]], [[1], [1]]]] as number[][][][]), /row|rows|keys/);
  });

  it('has rows that sum to 1 and zeros above the diagonal (checkMaps)', () => {
    const c = checkMaps(maps);
    assert.ok(c.maxRowError < 1e-6, String(c.maxRowError));
    assert.strictEqual(c.maxAboveDiagonal, 0);
  });

  it('averages the heads of a layer (mean over heads keeps rows summing to 1)', () => {
    const mean = meanOverHeads(maps, 1);
    for (let q = 0; q < 5; q++) {
      let sum = 0;
      for (let k = 0; k < 5; k++) {
        const expected = (nested[1][0][q][k] + nested[1][1][q][k]) / 2;
        assert.ok(Math.abs(mean[q * 5 + k] - expected) < 1e-6);
        sum += mean[q * 5 + k];
        if (k > q) assert.strictEqual(mean[q * 5 + k], 0);
      }
      assert.ok(Math.abs(sum - 1) < 1e-5);
    }
  });

  it("gives one query's weights in every head, keys up to the query only", () => {
    const rows = queryAcrossHeads(maps, 2);
    assert.strictEqual(rows.length, 6);
    assert.deepStrictEqual(
      rows.map((r) => `${r.layer}/${r.head}`),
      ['0/0', '0/1', '1/0', '1/1', '2/0', '2/1'],
    );
    for (const r of rows) {
      assert.strictEqual(r.weights.length, 3);
      assert.ok(Math.abs(r.weights.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.strictEqual(r.weights[1], Math.fround(nested[r.layer][r.head][2][1]));
    }
    assert.deepStrictEqual(queryAcrossHeads(maps, 9), []);
  });

  it('quantizes weights to 16 bits finer than the 3 decimals shown', () => {
    const q = quantize16(maps.weights);
    assert.ok(q instanceof Uint16Array && q.length === maps.weights.length);
    const back = toFloat32(q);
    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - maps.weights[i]));
    assert.ok(worst <= 0.5 / 65535 + 1e-9, String(worst));
    assert.deepStrictEqual(Array.from(quantize16(new Float32Array([-0.1, 0, 1, 1.5]))), [0, 0, 65535, 65535]);
    assert.strictEqual(toFloat32(maps.weights), maps.weights, 'float32 passes through');
  });

  it('round-trips float32 data through base64', () => {
    const values = new Float32Array([0, 1, 0.173, -2.5, 1e-7, 3.4e38]);
    assert.deepStrictEqual(Array.from(base64ToFloat32(float32ToBase64(values))), Array.from(values));
    const big = new Float32Array(100_003).map((_, i) => i / 7);
    assert.deepStrictEqual(base64ToFloat32(float32ToBase64(big)), big);
    // a view into a larger buffer encodes only its own bytes
    assert.deepStrictEqual(Array.from(base64ToFloat32(float32ToBase64(big.subarray(5, 8)))), Array.from(big.subarray(5, 8)));
  });
});

describe('attention view: colours', () => {
  it('parses the colour forms VS Code themes use', () => {
    assert.deepStrictEqual(parseColour('#1e1e1e'), { r: 30, g: 30, b: 30, a: 1 });
    assert.deepStrictEqual(parseColour('#fff'), { r: 255, g: 255, b: 255, a: 1 });
    assert.deepStrictEqual(parseColour('#3794ff80'), { r: 55, g: 148, b: 255, a: 128 / 255 });
    assert.deepStrictEqual(parseColour(' rgba(10, 20, 30, 0.5) '), { r: 10, g: 20, b: 30, a: 0.5 });
    assert.deepStrictEqual(parseColour('rgb(1 2 3 / 50%)'), { r: 1, g: 2, b: 3, a: 0.5 });
    assert.strictEqual(parseColour('transparent'), undefined);
    assert.strictEqual(parseColour(''), undefined);
    assert.strictEqual(parseColour('#12'), undefined);
  });

  it('composites translucent theme colours over the background', () => {
    assert.deepStrictEqual(over({ r: 255, g: 0, b: 0, a: 0.5 }, { r: 0, g: 0, b: 255, a: 1 }), { r: 128, g: 0, b: 128, a: 1 });
  });

  it('ramps from the background (weight 0) through the accent, and ends brighter on dark, darker on light', () => {
    const accent = parseColour('#3794ff')!;
    const dark = parseColour('#1e1e1e')!;
    const light = parseColour('#ffffff')!;
    const darkLut = buildLut(themeRamp(dark, accent));
    const lightLut = buildLut(themeRamp(light, accent));
    assert.deepStrictEqual(Array.from(darkLut.subarray(0, 4)), [30, 30, 30, 255]);
    assert.deepStrictEqual(Array.from(lightLut.subarray(0, 4)), [255, 255, 255, 255]);
    const at = (lut: Uint8ClampedArray, i: number) => ({ r: lut[i * 4], g: lut[i * 4 + 1], b: lut[i * 4 + 2], a: 1 });
    // contrast with the background grows along the scale, in both themes
    const darkL = [0, 64, 128, 192, 255].map((i) => luminance(at(darkLut, i)));
    const lightL = [0, 64, 128, 192, 255].map((i) => luminance(at(lightLut, i)));
    for (let i = 1; i < darkL.length; i++) assert.ok(darkL[i] > darkL[i - 1], `dark ramp not increasing: ${darkL}`);
    for (let i = 1; i < lightL.length; i++) assert.ok(lightL[i] < lightL[i - 1], `light ramp not decreasing: ${lightL}`);
  });

  it('maps weights to scale positions, and back, for each scale', () => {
    assert.strictEqual(scalePosition(0.25, 'linear'), 0.25);
    assert.strictEqual(scalePosition(0.25, 'sqrt'), 0.5);
    assert.strictEqual(scalePosition(0.1, 'max', 0.2), 0.5);
    assert.strictEqual(scalePosition(-1, 'linear'), 0);
    assert.strictEqual(scalePosition(2, 'sqrt'), 1);
    assert.strictEqual(scalePosition(0.5, 'max', 0), 0.5);
    for (const kind of ['linear', 'sqrt', 'max'] as const) {
      for (const v of [0, 0.01, 0.1, 0.2]) assert.ok(Math.abs(scaleValue(scalePosition(v, kind, 0.2), kind, 0.2) - v) < 1e-12);
    }
  });

  it('paints a map: lower triangle from the LUT, upper triangle transparent (drawn as masked)', () => {
    const T = 3;
    const map = new Float32Array([1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5]);
    const lut = buildLut([
      { r: 0, g: 0, b: 0, a: 1 },
      { r: 255, g: 255, b: 255, a: 1 },
    ]);
    const px = paintMap(map, T, lut, 'linear');
    const pixel = (q: number, k: number) => Array.from(px.subarray((q * T + k) * 4, (q * T + k) * 4 + 4));
    assert.deepStrictEqual(pixel(0, 0), [255, 255, 255, 255]);
    assert.deepStrictEqual(pixel(1, 0), [128, 128, 128, 255]);
    assert.strictEqual(pixel(0, 1)[3], 0);
    assert.strictEqual(pixel(1, 2)[3], 0);
    // 'max' stretches the largest weight to the top of the scale
    assert.strictEqual(mapMax(map.map((v) => v / 2), T), 0.5);
    const stretched = paintMap(map.map((v) => v / 2), T, lut, 'max');
    assert.deepStrictEqual(Array.from(stretched.subarray(0, 4)), [255, 255, 255, 255]);
  });

  it('labels the legend for each scale', () => {
    assert.deepStrictEqual(
      legendTicks('linear').map((t) => t.label),
      ['0', '.25', '.5', '.75', '1'],
    );
    const sqrt = legendTicks('sqrt');
    assert.ok(sqrt.some((t) => t.label === '.01' && Math.abs(t.position - 0.1) < 1e-12));
    assert.deepStrictEqual(
      legendTicks('max', 0.08).map((t) => t.label),
      ['0', '.02', '.04', '.06', '.08'],
    );
    setDisplayLanguage('pl');
    try {
      assert.deepStrictEqual(legendTicks('linear').map((t) => t.label), ['0', ',25', ',5', ',75', '1']);
    } finally {
      setDisplayLanguage('en');
    }
  });
});

describe('attention view: labels and layout', () => {
  it('cuts long labels with an ellipsis, by characters not UTF-16 units', () => {
    assert.strictEqual(fitLabel('·tokenizer', 6), '·toke…');
    assert.strictEqual(fitLabel('·się', 6), '·się');
    assert.strictEqual(fitLabel('😀😀😀😀', 3), '😀😀…');
    assert.strictEqual(fitLabel('abc', 1), '…');
  });

  it('shows every label when cells are tall enough, else every 2nd, 5th, 10th…', () => {
    assert.strictEqual(labelStep(20, 12), 1);
    assert.strictEqual(labelStep(8, 12), 2);
    assert.strictEqual(labelStep(3, 12), 5);
    assert.strictEqual(labelStep(1.2, 12), 20);
    const labels = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const shown = axisLabels(labels, 3, 12, 8);
    assert.deepStrictEqual(shown.slice(0, 3), [
      { index: 0, text: 't0' },
      { index: 5, text: 't5' },
      { index: 10, text: 't10' },
    ]);
    // the chosen token is always labelled, and its crowded neighbours give way
    const withChosen = axisLabels(labels, 3, 12, 8, 41).map((l) => l.index);
    assert.ok(withChosen.includes(41));
    assert.ok(!withChosen.includes(40) && !withChosen.includes(45));
  });

  it('lays out a heatmap within the width, square cells, legend to the right', () => {
    const small = heatmapLayout({ T: 5, width: 900, labelPx: 40 });
    assert.strictEqual(small.cell, 40, 'few tokens: cells at their largest');
    const big = heatmapLayout({ T: 256, width: 900, labelPx: 80 });
    assert.ok(big.width <= 900, `${big.width}`);
    assert.strictEqual(big.size, big.cell * 256);
    assert.ok(big.legend.x > big.x0 + big.size);
    const short = heatmapLayout({ T: 256, width: 2000, height: 500, labelPx: 80 });
    assert.ok(short.height <= 500 + 1 || short.cell === 1, 'fits the visible height');
  });

  it('finds the cell under the pointer', () => {
    const layout = { x0: 100, y0: 50, cell: 10 };
    assert.deepStrictEqual(cellAt(layout, 8, 100, 50), { query: 0, key: 0 });
    assert.deepStrictEqual(cellAt(layout, 8, 135, 79.9), { query: 2, key: 3 });
    assert.strictEqual(cellAt(layout, 8, 99, 60), undefined);
    assert.strictEqual(cellAt(layout, 8, 185, 60), undefined);
  });

  it('scales thumbnails to the width and keeps them legible for many heads', () => {
    const few = thumbnailGrid(2, 2, 900);
    assert.strictEqual(few.thumb, 150);
    const many = thumbnailGrid(12, 12, 900);
    assert.ok(many.thumb >= 28 && many.width <= 900, `${many.thumb} ${many.width}`);
    const tiny = thumbnailGrid(12, 48, 600);
    assert.strictEqual(tiny.thumb, 28, 'never below the minimum: the page scrolls instead');
    const hit = thumbnailAt(many, many.x0 + (many.thumb + many.gap) * 3 + 2, many.y0 + (many.thumb + many.gap) * 5 + 2);
    assert.deepStrictEqual(hit, { row: 5, col: 3 });
    assert.strictEqual(thumbnailAt(many, many.x0 + many.thumb + 1, many.y0 + 1), undefined, 'the gap between thumbnails');
  });

  it('filters layers and heads', () => {
    assert.deepStrictEqual(filterIndices(4, 'all'), [0, 1, 2, 3]);
    assert.deepStrictEqual(filterIndices(4, 2), [2]);
    assert.deepStrictEqual(filterIndices(4, 7), [0, 1, 2, 3]);
  });

  it('lays out the bars: one row per head, bars no wider than 36 px', () => {
    const b = barsLayout(16, 10, 1000);
    assert.strictEqual(b.barWidth, 36);
    assert.strictEqual(b.height, b.y0 + 16 * b.rowHeight + 8);
    assert.ok(barsLayout(16, 256, 1000).width <= 1000);
  });
});

describe('attention view: texts and editor offsets', () => {
  it('formats the hover as "query → key: 0.173"', () => {
    assert.strictEqual(hoverText('·kot', '·Ala', 0.17321, false), '·kot → ·Ala: 0.173');
    assert.match(hoverText('a', 'b', 0, true), /^a → b: masked/);
  });

  it('says what was cut', () => {
    const text = truncationNotice(300, 256, 256);
    assert.match(text, /300 tokens/);
    assert.match(text, /last 256/);
    assert.match(text, /first 44/);
  });

  it('names export files after the view', () => {
    assert.strictEqual(exportBaseName({ view: 'head', layer: 1, head: 2, query: 0 }), 'attention-L2H3');
    assert.strictEqual(exportBaseName({ view: 'model', layer: 0, head: 0, query: 0 }), 'attention-model');
    assert.strictEqual(exportBaseName({ view: 'layerMean', layer: 0, head: 0, query: 0 }), 'attention-L1-mean');
    assert.strictEqual(exportBaseName({ view: 'query', layer: 0, head: 0, query: 4 }), 'attention-query-5');
  });

  it('finds the token at a cursor offset', () => {
    const offsets = [
      { start: 0, end: 3 },
      { start: 3, end: 7 },
      { start: 7, end: 7 }, // the empty range of a token that completes a split character
      { start: 7, end: 9 },
    ];
    assert.strictEqual(tokenIndexAt(offsets, 0), 0);
    assert.strictEqual(tokenIndexAt(offsets, 4), 1);
    assert.strictEqual(tokenIndexAt(offsets, 7), 3);
    assert.strictEqual(tokenIndexAt(offsets, 9), 3, 'the cursor after the last token');
    assert.strictEqual(tokenIndexAt(offsets, 12), undefined);
  });

  it('moves the remembered range through edits before it, and notices edits inside', () => {
    const range = { start: 10, end: 20 };
    assert.deepStrictEqual(shiftRange(range, { rangeOffset: 2, rangeLength: 3, text: 'abcdef' }), { start: 13, end: 23, touched: false });
    assert.deepStrictEqual(shiftRange(range, { rangeOffset: 10, rangeLength: 0, text: 'x' }), { start: 11, end: 21, touched: false });
    assert.deepStrictEqual(shiftRange(range, { rangeOffset: 20, rangeLength: 0, text: 'x' }), { start: 10, end: 20, touched: false });
    assert.deepStrictEqual(shiftRange(range, { rangeOffset: 25, rangeLength: 5, text: '' }), { start: 10, end: 20, touched: false });
    assert.deepStrictEqual(shiftRange(range, { rangeOffset: 12, rangeLength: 2, text: 'abcd' }), { start: 10, end: 22, touched: true });
    assert.strictEqual(shiftRange(range, { rangeOffset: 5, rangeLength: 10, text: '' }).touched, true);
  });
});
