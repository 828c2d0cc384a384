// The attention panel's exports (src/features/attention/core/attentionExport.ts): the self-contained HTML page, the PNG
// data URL, atomic writes — and, where a Chromium is installed, the exported page opened offline in a
// real browser with the real viewer bundle: it must draw.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../../../../src/engine/atomicWrite';
import { buildAttentionHtml, decodePngDataUrl, readExportedData, scriptSafeCode, scriptSafeJson } from '../../../../src/features/attention/core/attentionExport';
import { base64ToFloat32, packAttention } from '../../../../src/features/attention/core/attentionMaps';
import type { AttentionPayload, AttentionViewState } from '../../../../src/features/attention/protocol';
import { requirePackages, requirements } from '../../requirements';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PNG_1X1 =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function payload(T = 4, L = 2, H = 2): AttentionPayload {
  const attention = Array.from({ length: L }, (_, l) =>
    Array.from({ length: H }, (_, h) =>
      Array.from({ length: T }, (_, q) =>
        Array.from({ length: T }, (_, k) => {
          if (k > q) return 0;
          // a different, still normalised pattern per head: head h of layer l favours key (q - l - h)
          const favourite = Math.max(0, q - l - h);
          return q === 0 ? 1 : k === favourite ? 0.6 : 0.4 / q;
        }),
      ),
    ),
  );
  const maps = packAttention(attention);
  return {
    seq: 1,
    tokens: Array.from({ length: T }, (_, i) => ({ id: i + 2, label: ['Ala', '·ma', '·kota', '</script><b>', '·i', '·psa'][i % 6] })),
    nLayer: L,
    nHead: H,
    weights: maps.weights,
    truncated: false,
    totalTokens: T,
    contextLength: 64,
    sourceLabel: 'notatki.md, line 3',
    modelLabel: '2 layers × 2 heads · context 64',
  };
}

const VIEW: AttentionViewState = { view: 'head', layer: 1, head: 0, query: 3, follow: false, scale: 'linear', layerFilter: 'all', headFilter: 'all' };

describe('attention export: HTML page', () => {
  it('inlines data, viewer and theme; no network (CSP, no remote URLs)', () => {
    const html = buildAttentionHtml({
      script: 'console.log("viewer")',
      data: payload(),
      view: VIEW,
      themeVars: { '--vscode-editor-background': '#ffffff', '--vscode-charts-blue': '#1a85ff' },
      themeKind: 'vscode-light',
    });
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:/);
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//i, 'no remote resources');
    assert.match(html, /--vscode-editor-background: #ffffff;/);
    assert.match(html, /--vscode-dropdown-background: #ffffff;/, 'light fallbacks fill the variables the theme did not give');
    assert.match(html, /<body class="vscode-light"/);
    assert.match(html, /<script>console.log\("viewer"\)<\/script>/);
    assert.match(html, /<title>Attention — notatki.md, line 3<\/title>/);
  });

  it('round-trips the data exactly (weights as base64 float32)', () => {
    const p = payload(6, 3, 2);
    const html = buildAttentionHtml({ script: '', data: p, view: VIEW, themeVars: {}, themeKind: 'vscode-dark' });
    const back = readExportedData(html);
    assert.deepStrictEqual(back.view, VIEW);
    assert.deepStrictEqual(back.data.tokens, p.tokens);
    assert.deepStrictEqual(base64ToFloat32(back.data.weights), p.weights);
    assert.strictEqual(back.data.nLayer, 3);
  });

  it('cannot be broken out of by token text, theme values or the viewer code', () => {
    const html = buildAttentionHtml({
      script: 'const s = "</script><script>alert(1)</script>"; // <!-- comment',
      data: payload(),
      view: VIEW,
      themeVars: { '--vscode-x': 'red;} body{display:none', '--vscode-ok': '#123456', 'color': 'red' },
      themeKind: '"><script>',
    });
    // exactly the three script elements of the page (the language block, the data, the viewer) end where they
    // should ("<script>" inside a script is inert text once "</script" and "<!--" are escaped)
    assert.strictEqual(html.match(/<\/script>/g)?.length, 3);
    assert.ok(!html.includes('<!--'));
    assert.doesNotMatch(html, /display:none/);
    assert.match(html, /--vscode-ok: #123456;/);
    assert.doesNotMatch(html, /^\s*color: red/m);
    assert.match(html, /<body class="vscode-dark"/);
    assert.strictEqual(scriptSafeJson({ a: '</script>' }), '{"a":"\\u003c/script>"}');
    assert.strictEqual(scriptSafeCode('"</SCRIPT>"'), '"<\\/SCRIPT>"');
  });

  it('drops the bundle\'s source map comment', () => {
    const html = buildAttentionHtml({ script: 'x();\n//# sourceMappingURL=attention.js.map\n', data: payload(), view: VIEW, themeVars: {}, themeKind: 'vscode-dark' });
    assert.doesNotMatch(html, /sourceMappingURL/);
  });
});

describe('attention export: files', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-attention-export-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('decodes a PNG data URL and refuses anything else', () => {
    const bytes = decodePngDataUrl(PNG_1X1);
    assert.deepStrictEqual(Array.from(bytes.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
    assert.throws(() => decodePngDataUrl('data:image/jpeg;base64,AAAA'), /PNG/);
    assert.throws(() => decodePngDataUrl('data:image/png;base64,AAAAAAAAAAAA'), /not a PNG/);
  });

  it('writes atomically: the whole file or the old one, no temporary files left', async () => {
    const target = path.join(dir, 'attention-L1H1.png');
    fs.writeFileSync(target, 'old');
    await writeFileAtomic(target, decodePngDataUrl(PNG_1X1));
    assert.strictEqual(fs.readFileSync(target).subarray(1, 4).toString(), 'PNG');
    await writeFileAtomic(path.join(dir, 'page.html'), '<!DOCTYPE html>');
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['attention-L1H1.png', 'page.html']);
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'x.png'), 'x'));
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['attention-L1H1.png', 'page.html']);
  });
});

describe('attention export: the page in a real browser (offline)', function () {
  this.timeout(60_000);
  const chromium = requirements.chromiumPath();

  it('opens from a file with the network blocked and draws every view', async function () {
    requirePackages(['chromium'], `The exported attention page is checked in a real browser (${chromium}): this test`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium: launcher } = require('playwright-core') as typeof import('playwright-core');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const built = await esbuild.build({
      entryPoints: [path.join(ROOT, 'webview', 'attention', 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      loader: { '.css': 'text' },
      logLevel: 'silent',
    });
    const script = built.outputFiles[0].text;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-attention-page-'));
    const file = path.join(dir, 'attention.html');
    fs.writeFileSync(file, buildAttentionHtml({ script, data: payload(6), view: VIEW, themeVars: {}, themeKind: 'vscode-dark' }));
    const browser = await launcher.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const requests: string[] = [];
    const errors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(`file://${file}`);
      await page.waitForSelector('#view-canvas');
      const measure = () =>
        page.evaluate(
          () =>
            new Promise<{ w: number; h: number; colours: number; variance: number }>((resolve) =>
              requestAnimationFrame(() =>
                requestAnimationFrame(() => {
                  const c = document.getElementById('view-canvas') as HTMLCanvasElement;
                  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
                  const seen = new Set<string>();
                  let sum = 0;
                  let sum2 = 0;
                  for (let i = 0; i < d.length; i += 4) {
                    const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
                    sum += y;
                    sum2 += y * y;
                    if (seen.size < 500) seen.add(`${d[i] >> 3},${d[i + 1] >> 3},${d[i + 2] >> 3}`);
                  }
                  const n = d.length / 4;
                  resolve({ w: c.width, h: c.height, colours: seen.size, variance: sum2 / n - (sum / n) ** 2 });
                }),
              ),
            ),
        );
      const head = await measure();
      assert.ok(head.w > 200 && head.h > 200, JSON.stringify(head));
      assert.ok(head.variance > 50 && head.colours > 8, `head view looks blank: ${JSON.stringify(head)}`);
      assert.match((await page.textContent('#query-info')) ?? '', /#4 «<\/script><b>»/);
      for (const view of ['model', 'layerMean', 'query']) {
        await page.click(`vscode-radio[value="${view}"]`);
        const m = await measure();
        assert.ok(m.variance > 20, `${view} view looks blank: ${JSON.stringify(m)}`);
      }
      // hover shows "query → key: weight"
      await page.click('vscode-radio[value="head"]');
      await page.waitForTimeout(50);
      const box = (await page.locator('#view-canvas').boundingBox())!;
      // the exported view is the head view of layer 2: move over cells until a tooltip shows a weight
      let tip = '';
      for (let y = box.y + box.height * 0.35; y < box.y + box.height && !/: 0\.\d{3}$/.test(tip); y += 8) {
        await page.mouse.move(box.x + box.width * 0.3, y);
        tip = (await page.locator('#tooltip').isVisible()) ? ((await page.textContent('#tooltip')) ?? '') : '';
      }
      assert.match(tip, /^\S+ → \S+: 0\.\d{3}$/);
      assert.deepStrictEqual(errors, []);
      assert.deepStrictEqual(
        requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
        [],
        'the page asked the network for something',
      );
    } finally {
      await browser.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
