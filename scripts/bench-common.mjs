// What the benchmarks (scripts/bench-*.mjs) share: the repository's root and a `require` that loads the
// TypeScript sources, reading --options, medians and quantiles, the machine's description, the sample notes,
// the page bundles in headless Chromium and a suite run inside the VS Code test host.

import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Resolves from the repository's root; `.ts` files load through scripts/ts-register.js. */
export const require = createRequire(path.join(root, 'package.json'));
require('./scripts/ts-register.js');

/** The value after `--name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

/** The upper middle value (the middle one for an odd count). */
export function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** The smallest value with at least `q` (0 to 1) of the values at or below it: quantile(times, 0.95) is the p95. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Milliseconds with one decimal, '—' for a figure that was not measured. */
export const fmt = (ms) => (ms === undefined ? '—' : `${ms.toFixed(1)} ms`);

/** CPU time of this process (all its threads, the engine worker included), ms. */
export function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The first load average, the CPU count, and whether more is queued than the CPUs run (`share` of them). */
export function machineLoad(share = 1) {
  const load = os.loadavg()[0];
  const cpus = os.cpus().length;
  return { load, cpus, busy: load > cpus * share };
}

/** One line of the machine the figures come from, for a benchmark's header. */
export function machineDescription() {
  const { load, cpus } = machineLoad();
  return `${cpus} CPU(s) (${os.cpus()[0]?.model ?? '?'}), Node ${process.versions.node}, load ${load.toFixed(1)}`;
}

/** The sample notes (Polish and English), sample-workspace/*.md in name order. */
export function sampleNotes() {
  const dir = path.join(root, 'sample-workspace');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/** Builds dist/ from the sources (node esbuild.js). */
export function build() {
  const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed');
}

/** Builds dist/ when one of `needed` (paths from the root) is missing. */
export function ensureBuilt(needed) {
  if (needed.every((f) => fs.existsSync(path.join(root, f)))) return;
  console.log('building dist/ (node esbuild.js)…');
  build();
}

/**
 * A stand-in for VS Code's webview API: the page's messages go to window.__messages (and to
 * window.__onMessage, when a run waits for one).
 */
export const WEBVIEW_API_STUB = `window.__messages = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.__messages.push(m); window.__onMessage?.(m); }, getState: () => undefined, setState: () => {} });`;

/** A page running the bundle dist/webview/<name>.js with the stand-in API. */
export function bundlePage(name, { bodyClass } = {}) {
  const script = fs.readFileSync(path.join(root, 'dist', 'webview', `${name}.js`), 'utf8');
  const body = bodyClass ? `<body class="${bodyClass}">` : '<body>';
  return `<!DOCTYPE html><html><head><meta charset="UTF-8"></head>${body}<main id="app"></main><script>${WEBVIEW_API_STUB}</script><script>${script.replace(/<\/script>/g, '<\\/script>')}</script></body></html>`;
}

/**
 * Opens `html` in headless Chromium (no network), waits for the page's 'ready' and gives the page to `use`;
 * `{ skipped }` when there is no Chromium or playwright-core. The temporary folder (`use`'s second argument)
 * is removed afterwards unless `keep` (it holds screenshots).
 */
export async function inChromium({ tempPrefix, html, viewport, keep = false }, use) {
  const chromium = process.env.LMX_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) return { skipped: `no Chromium at ${chromium} (set LMX_CHROMIUM)` };
  let playwright;
  try {
    playwright = require('playwright-core');
  } catch {
    return { skipped: 'playwright-core is not installed' };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tempPrefix));
  const file = path.join(dir, 'page.html');
  fs.writeFileSync(file, html);
  const browser = await playwright.chromium.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport });
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => window.__messages.some((m) => m.type === 'ready'));
    return await use(page, dir);
  } finally {
    await browser.close();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `suite` (the source of a test suite module: `exports.run`, which prints '@@bench@@' + JSON) in the
 * VS Code test host (scripts/vscode-host/) with `spec` in LMX_BENCH_SPEC, and returns the JSON it printed.
 */
export async function inVsCode(tempPrefix, suite, spec) {
  const host = await import(new URL('./vscode-host/index.mjs', import.meta.url).href);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tempPrefix));
  const suitePath = path.join(dir, 'suite.js');
  fs.writeFileSync(suitePath, suite);
  let found;
  const r = await host.runVsCodeSuite({
    extensionPath: root,
    suitePath,
    env: { LMX_BENCH_SPEC: JSON.stringify(spec) },
    logFile: path.join(dir, 'vscode.log'),
    onOutput: (line) => {
      if (line.startsWith('@@bench@@')) found = JSON.parse(line.slice('@@bench@@'.length));
    },
  });
  if (!found) throw new Error(`the VS Code run gave no figures (${r.error ?? `exit ${r.exitCode}`}); log: ${path.join(dir, 'vscode.log')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return found;
}

/** Runs a benchmark's main(): exit code 0 when it finishes, 1 with the stack when it throws. */
export function runBenchmark(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error?.stack ?? String(error));
      process.exit(1);
    },
  );
}
