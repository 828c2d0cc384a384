// The webview protocols' guards (src/features/*/protocol.ts on src/host/webview/protocol.ts): a message of a
// known type with its fields passes; an unknown type, a missing or mistyped field, or a non-message fails.
import * as assert from 'node:assert/strict';
import { isAttentionFromWebview, isAttentionToWebview } from '../../../src/features/attention/protocol';
import { isDashboardFromWebview, isDashboardToWebview } from '../../../src/features/training/protocol';
import { messageGuard } from '../../../src/host/webview/protocol';

describe('webview protocols: message guards', () => {
  it('rejects what is not a message', () => {
    for (const guard of [isDashboardFromWebview, isDashboardToWebview, isAttentionFromWebview, isAttentionToWebview]) {
      for (const value of [undefined, null, 'ready', 42, [], {}, { type: 7 }]) assert.equal(guard(value), false, JSON.stringify(value));
    }
  });

  it('rejects a type of the other direction or of another page', () => {
    assert.equal(isDashboardFromWebview({ type: 'state', state: {} }), false);
    assert.equal(isDashboardToWebview({ type: 'ready' }), false);
    assert.equal(isAttentionFromWebview({ type: 'command', command: 'train' }), false);
    assert.equal(isAttentionToWebview({ type: 'tokenClicked', index: 1 }), false);
    // an inherited property is no message type
    assert.equal(isDashboardFromWebview({ type: 'toString' }), false);
  });

  it('checks the dashboard page’s messages field by field', () => {
    assert.equal(isDashboardFromWebview({ type: 'ready' }), true);
    assert.equal(isDashboardFromWebview({ type: 'command', command: 'resume' }), true);
    assert.equal(isDashboardFromWebview({ type: 'command', command: 'format-disk' }), false);
    assert.equal(isDashboardFromWebview({ type: 'viewChanged', view: { unit: 'bpb' } }), true);
    assert.equal(isDashboardFromWebview({ type: 'viewChanged' }), false);
    assert.equal(isDashboardFromWebview({ type: 'rendered', charts: [], page: {}, cspViolations: [] }), true);
    assert.equal(isDashboardFromWebview({ type: 'rendered', charts: [], page: {} }), true);
    assert.equal(isDashboardFromWebview({ type: 'rendered', charts: 'none', page: {} }), false);
    assert.equal(isDashboardFromWebview({ type: 'log', message: 'TypeError: x is undefined' }), true);
    assert.equal(isDashboardFromWebview({ type: 'log' }), false);
  });

  it('checks the extension’s messages to the dashboard', () => {
    assert.equal(isDashboardToWebview({ type: 'status', status: { kind: 'none' } }), true);
    assert.equal(isDashboardToWebview({ type: 'status', status: 'none' }), false);
    assert.equal(isDashboardToWebview({ type: 'model' }), true, 'no model (undefined is dropped on the way)');
    assert.equal(isDashboardToWebview({ type: 'model', model: 3 }), false);
    assert.equal(isDashboardToWebview({ type: 'sample', sample: { step: 10, prompt: '', text: '' } }), true);
    assert.equal(isDashboardToWebview({ type: 'sample', sample: { prompt: '' } }), false);
    assert.equal(isDashboardToWebview({ type: 'progress', points: [], run: { steps: 1, step: 0, elapsedMs: 0 }, status: { kind: 'training' } }), true);
  });

  it('checks the attention page’s messages both ways', () => {
    assert.equal(isAttentionFromWebview({ type: 'tokenClicked', index: 3 }), true);
    assert.equal(isAttentionFromWebview({ type: 'tokenClicked', index: '3' }), false);
    assert.equal(isAttentionFromWebview({ type: 'action', action: 'train' }), true);
    assert.equal(isAttentionFromWebview({ type: 'action', action: 'delete' }), false);
    assert.equal(isAttentionFromWebview({ type: 'png', dataUrl: 'data:image/png;base64,', name: 'a.png' }), true);
    assert.equal(isAttentionFromWebview({ type: 'png', dataUrl: 'data:image/png;base64,', name: 'a.png', requestId: 'x' }), false);
    assert.equal(isAttentionFromWebview({ type: 'rendered', report: { seq: 2 } }), true);
    assert.equal(isAttentionFromWebview({ type: 'rendered', report: {} }), false);
    assert.equal(isAttentionToWebview({ type: 'data', data: { seq: 1 } }), true);
    assert.equal(isAttentionToWebview({ type: 'data', data: { seq: 1 }, view: 'head' }), false);
    assert.equal(isAttentionToWebview({ type: 'requestPng', requestId: 4 }), true);
    assert.equal(isAttentionToWebview({ type: 'requestPng' }), false);
    assert.equal(isAttentionToWebview({ type: 'status', kind: 'loading', message: '…' }), true);
  });

  it('builds a direction’s guard from one guard per message type', () => {
    type Message = { type: 'a'; n: number } | { type: 'b' };
    const seen: string[] = [];
    const guard = messageGuard<Message>({
      a: (m) => (seen.push('a'), typeof m.n === 'number'),
      b: () => (seen.push('b'), true),
    });
    assert.equal(guard({ type: 'a', n: 1 }), true);
    assert.equal(guard({ type: 'a' }), false);
    assert.equal(guard({ type: 'b', extra: true }), true);
    assert.equal(guard({ type: 'c' }), false);
    assert.deepEqual(seen, ['a', 'a', 'b'], 'only the guard of the message’s own type runs');
  });
});
