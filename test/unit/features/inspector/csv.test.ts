// The inspector's CSV export and its message guards: fields with commas, quotes and line breaks are
// quoted (RFC 4180), each tab's header is its table's, and the page's messages are checked before use.

import * as assert from 'assert';
import { architecture } from '../../../../src/engine/inspect';
import { PRESETS } from '../../../../src/engine/presets';
import { answerCsv, externalId } from '../../../../src/features/inspector/core/csv';
import { isInspectorFromWebview, isInspectRequest } from '../../../../src/features/inspector/protocol';

describe('inspector (CSV and messages)', () => {
  it('quotes labels with commas, quotes and line breaks, and names each token by its tokenizer ID', () => {
    const csv = answerCsv({
      view: 'nearest',
      query: [{ id: 300, label: 'a', gptId: 64 }],
      neighbours: [
        { id: 301, label: 'x,y', gptId: 87, cosine: 0.5 },
        { id: 2, label: '"q"\n', byteHex: '00', cosine: 0.25 },
        { id: 400, label: 'ą', codePoint: 0x105, cosine: -0.125 },
      ],
      map: { coords: [], explained: [0, 0] },
      labels: [],
      positions: { position: 0, neighbours: [], similarity: [], size: 0 },
    });
    assert.strictEqual(csv, 'rank,token,model_id,tokenizer_id,cosine\r\n1,"x,y",301,87,0.5\r\n2,"""q""\n",2,byte 00,0.25\r\n3,ą,400,U+0105,-0.125\r\n');
    assert.strictEqual(externalId({ id: 1, label: '<sep>' }), undefined);
  });

  it('writes one row per architecture box, with its parameters and shape', () => {
    const arch = architecture({ ...PRESETS.tiny, vocabSize: 300 }, 5);
    const lines = answerCsv({ view: 'architecture', architecture: arch, forText: true }).trim().split('\r\n');
    assert.strictEqual(lines[0], 'box,kind,layer,parameters,share,bytes_float32,flops_per_token,activation,tied_to');
    assert.strictEqual(lines.length, arch.boxes.length + 1);
    assert.match(lines[lines.length - 1], /^lm_head,output,,0,0,0,\d+,5x300,wte$/);
  });

  it('accepts the page messages of the protocol only', () => {
    assert.ok(isInspectorFromWebview({ type: 'query', request: { view: 'analogy', a: 'a', b: 'b', c: 'c' } }));
    assert.ok(isInspectorFromWebview({ type: 'openAttention', layer: 1 }));
    assert.ok(!isInspectorFromWebview({ type: 'query', request: { view: 'analogy', a: 'a' } }));
    assert.ok(!isInspectorFromWebview({ type: 'tab', tab: 'nowhere' }));
    assert.ok(!isInspectorFromWebview({ type: 'openAttention', layer: 'x' }));
    assert.ok(!isInspectRequest({ view: 'compare', query: { text: 'a' }, against: { kind: 'yesterday' } }));
    assert.ok(isInspectRequest({ view: 'nearest', query: { id: 3 } }));
  });
});
