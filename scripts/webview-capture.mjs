// Real-browser checks of LM Explorer's webviews and editors, through the VS Code test host's Playwright page.
//
// An integration test running in the extension host cannot see pixels; the launcher's page can. The
// test prints one line, CAPTURE_TAG + JSON { name, selector, canvases }, and waits for
// test-results/<name>.json. This handler (pass it as runVsCodeSuite's onOutput) finds the webview
// frame holding `selector`, measures every canvas in it (is anything drawn, in which colours),
// screenshots the webview and the whole workbench as PNGs under test-results/, and writes the JSON.
// With `press: [{ selector, key }]` it first presses those keys in the webview (keyboard use).
// With { name, editors: true } it measures the text editors instead (measureEditorOverflow).
// It also reads the webview's texts (readableTexts), which the localisation checks look through.
//
//   import { captureHandler } from './webview-capture.mjs';
//   await runVsCodeSuite({ ..., onOutput: captureHandler({ outDir: 'test-results' }) });
import fs from 'node:fs';
import path from 'node:path';

export const CAPTURE_TAG = '@@lmx-capture@@';

/** Measures every canvas of the frame; runs in the webview's frame. */
function measureCanvases() {
  const canvases = [...document.querySelectorAll('canvas')];
  return canvases.map((canvas) => {
    const ctx = canvas.getContext('2d');
    const out = { id: canvas.closest('section')?.id ?? '', width: canvas.width, height: canvas.height, painted: 0, colours: 0 };
    if (!ctx || !canvas.width || !canvas.height) return out;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      out.painted++;
      if (seen.size < 256) seen.add(`${data[i] >> 4},${data[i + 1] >> 4},${data[i + 2] >> 4}`);
    }
    out.colours = seen.size;
    return out;
  });
}

/**
 * The texts a person reads in the frame: its visible text nodes and the title, aria-label, placeholder
 * and alt attributes, outside elements marked translate="no" (the user's own text: tokens, samples, file
 * names). An attribute cannot mark a part of itself: where one quotes what its element shows inside
 * translate="no" (a token's tooltip naming the token), each such quote reads as "…". Runs in the webview's
 * frame; the localisation checks look for English in it.
 */
function readableTexts() {
  const texts = [];
  const skipped = (element) => !!element?.closest('[translate="no"], script, style, noscript');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || skipped(parent) || parent.closest('[hidden]') || parent.getClientRects().length === 0) continue;
    texts.push(text);
  }
  for (const element of document.body.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
    if (skipped(element)) continue;
    // the longest first (a quote that holds a shorter one); whole quotes only, not letters inside a word
    const quotes = [...new Set([...element.querySelectorAll('[translate="no"]')].map((e) => e.textContent.trim()).filter(Boolean))]
      .sort((a, b) => b.length - a.length)
      .map((quote) => new RegExp(`(?<![\\p{L}\\p{N}])${quote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'gu'));
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = quotes.reduce((text, quote) => text.replace(quote, '…'), element.getAttribute(name)?.trim() ?? '');
      if (value) texts.push(value);
    }
  }
  // the toolkit's controls (buttons, radios, dropdowns) render their labels in shadow roots from slots: the
  // light-DOM text above has them; their own shadow markup holds no text of ours
  return { lang: document.documentElement.lang, texts };
}

async function findFrame(page, selector, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      try {
        if (await frame.$(selector)) return frame;
      } catch {
        // a frame that navigated away
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

/**
 * Measures the text editors of the workbench page: every inline element of their visible lines (the
 * text, decorations, inlay hints) that ends past its editor's right edge (with word wrap on there
 * should be none); and the labels drawn as decorations after text (`after` content: the token IDs):
 * how many, the smallest gap between a label and the text on either side, the label's font size over
 * the text's, and the lowest contrast of a label's colour against its background (WCAG ratio, the
 * label's own background laid over the editor's).
 */
function measureEditorOverflow() {
  const rgba = (css) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css ?? '');
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : undefined;
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const measureLabels = (lines, editor) => {
    const editorBackground = rgba(getComputedStyle(editor.querySelector('.monaco-editor-background') ?? editor).backgroundColor) ?? [255, 255, 255, 1];
    const out = { count: 0, minGapBefore: Infinity, minGapAfter: Infinity, fontRatio: 0, minContrast: Infinity };
    for (const line of lines.querySelectorAll('.view-line')) {
      const spans = [...line.querySelectorAll(':scope > span > span')];
      spans.forEach((span, i) => {
        const after = getComputedStyle(span, '::after');
        if (!after.content || after.content === 'none' || after.content === 'normal' || !/\d/.test(after.content)) return;
        if (span.textContent !== '') return; // a label is an empty span that only draws its ::after
        const box = span.getBoundingClientRect();
        if (box.width === 0) return;
        out.count++;
        const previous = spans.slice(0, i).reverse().find((s) => s.textContent !== '' && s.getBoundingClientRect().width > 0);
        const next = spans.slice(i + 1).find((s) => s.textContent !== '' && s.getBoundingClientRect().width > 0);
        const label = { left: box.left + parseFloat(after.marginLeft || '0'), right: box.right - parseFloat(after.marginRight || '0') };
        if (previous) out.minGapBefore = Math.min(out.minGapBefore, label.left - previous.getBoundingClientRect().right);
        if (next) out.minGapAfter = Math.min(out.minGapAfter, next.getBoundingClientRect().left - label.right);
        out.fontRatio = Math.max(out.fontRatio, parseFloat(after.fontSize) / parseFloat(getComputedStyle(span).fontSize));
        const colour = rgba(after.color);
        const background = rgba(after.backgroundColor) ?? [0, 0, 0, 0];
        if (!colour) return;
        const ratio = contrast(over(colour, over(background, editorBackground)), over(background, editorBackground));
        if (ratio < out.minContrast) {
          out.minContrast = ratio;
          out.worst = { colour: after.color, background: after.backgroundColor, editorBackground: editorBackground.join(',') };
        }
      });
    }
    for (const key of ['minGapBefore', 'minGapAfter', 'minContrast']) out[key] = Number.isFinite(out[key]) ? Math.round(out[key] * 100) / 100 : null;
    out.fontRatio = Math.round(out.fontRatio * 100) / 100;
    return out;
  };
  const editors = [...document.querySelectorAll('.monaco-editor .view-lines')].filter((lines) => lines.getClientRects().length > 0);
  return editors.map((lines) => {
    const editor = lines.closest('.monaco-editor');
    const scrollable = editor.querySelector('.monaco-scrollable-element') ?? editor;
    const right = scrollable.getBoundingClientRect().right;
    let spans = 0;
    let overflowing = 0;
    let widest = 0;
    for (const span of lines.querySelectorAll('.view-line span span')) {
      const box = span.getBoundingClientRect();
      if (box.width === 0) continue;
      spans++;
      widest = Math.max(widest, box.right - right);
      if (box.right > right + 1) overflowing++;
    }
    return { lines: lines.querySelectorAll('.view-line').length, spans, overflowing, pastEdge: Math.round(widest), labels: measureLabels(lines, editor) };
  });
}

/** Measures the editors and photographs the workbench. */
async function captureEditors(page, name, outDir, result) {
  result.editors = await page.evaluate(measureEditorOverflow);
  result.workbenchScreenshot = path.join(outDir, `${name}-workbench.png`);
  await page.screenshot({ path: result.workbenchScreenshot });
  result.ok = true;
}

/** Measures the canvases of the webview holding `selector` and photographs it and the workbench. */
async function captureWebview(page, name, outDir, result, request) {
  const frame = await findFrame(page, request.selector, request.timeoutMs ?? 15_000);
  if (!frame) {
    result.error = `no frame holds ${request.selector}`;
    return;
  }
  // Keys pressed as a person would, before the measurement: { selector, key } each (the element gets the focus).
  for (const { selector, key } of request.press ?? []) {
    await frame.press(selector, key);
    await new Promise((r) => setTimeout(r, 200));
  }
  // Give the charts a frame or two to draw after the last message.
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  result.canvases = await frame.evaluate(measureCanvases);
  result.readable = await frame.evaluate(readableTexts);
  const element = await frame.frameElement();
  result.screenshot = path.join(outDir, `${name}.png`);
  await element.screenshot({ path: result.screenshot });
  // The rest of a page taller than the webview: scrolled to the bottom.
  const scrolled = await frame.evaluate(() => {
    const max = document.scrollingElement.scrollHeight - window.innerHeight;
    window.scrollTo(0, max);
    return max > 0;
  });
  if (scrolled) {
    result.bottomScreenshot = path.join(outDir, `${name}-bottom.png`);
    await element.screenshot({ path: result.bottomScreenshot });
    await frame.evaluate(() => window.scrollTo(0, 0));
  }
  result.workbenchScreenshot = path.join(outDir, `${name}-workbench.png`);
  await page.screenshot({ path: result.workbenchScreenshot });
  result.ok = true;
}

async function capture(page, request, outDir) {
  const name = String(request.name).replace(/[^\w.-]/g, '_');
  const result = { name, ok: false };
  try {
    if (request.editors) await captureEditors(page, name, outDir, result);
    else await captureWebview(page, name, outDir, result, request);
  } catch (error) {
    result.error = error?.message ?? String(error);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(result, null, 1));
  return result;
}

/** An onOutput for runVsCodeSuite: handles capture requests, prints every other line. */
export function captureHandler({ outDir = 'test-results', print = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const dir = path.resolve(outDir);
  return (line, page) => {
    if (!line.startsWith(CAPTURE_TAG)) return print(line);
    let request;
    try {
      request = JSON.parse(line.slice(CAPTURE_TAG.length));
    } catch {
      return print(`[capture] unreadable request: ${line}`);
    }
    void capture(page, request, dir).then((r) =>
      print(
        `[capture] ${r.name}: ${
          !r.ok ? r.error
          : r.editors ? `${r.workbenchScreenshot} (${r.editors.map((e) => `${e.lines} lines, ${e.overflowing}/${e.spans} spans past the edge`).join('; ')})`
          : `${r.screenshot} (${(r.canvases ?? []).map((c) => `${c.id} ${c.painted}px/${c.colours} colours`).join(', ')})`
        }`,
      ),
    );
  };
}
