// The mocha runner VS Code loads in the extension host (extensionTestsPath): it runs every
// *.test.js compiled next to it (out/test/integration/**) and reports the counts.
//
// Reporting, read by scripts/vscode-host/launch.mjs:
//   - every console line of the extension host is prefixed with OUTPUT_TAG while the suite runs, so the
//     launcher can tell it from the workbench's own log (it reaches the page's codeAutomationLog);
//   - the counts { passed, failed, pending, failures: [{ title, error }] } are written as JSON to
//     $LMX_TEST_RESULTS (the extension host inherits the server's environment) and also printed as
//     one RESULTS_TAG line.
//   - run() rejects when a test failed, which makes VS Code exit with a non-zero code.
// Environment: LMX_TEST_GREP (only tests whose full title matches), LMX_TEST_FILES (only these suite files,
// comma-separated, without the extension: `attention.test,l10n.test`), LMX_TEST_SEED (run the suite files in
// an order shuffled by this seed, printed; `npm run test:repeat`), LMX_TEST_COLOR=1 (colored spec),
// LMX_TEST_TAG_OUTPUT=1 (set by the launcher: tag the output as above; off under @vscode/test-electron).
import * as fs from 'fs';
import { findSourceMap } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as util from 'util';
import Mocha from 'mocha';

const OUTPUT_TAG = '@@lmx@@';
const RESULTS_TAG = '@@lmx-results@@';
const START_TAG = '@@lmx-start@@';

export interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  failures: { title: string; error: string }[];
  /** Each test's full title and how it ended, in the order they ran (`npm run test:repeat` compares runs). */
  tests: { title: string; state: 'passed' | 'failed' | 'pending'; file?: string }[];
  /** The suite files in the order they ran. */
  order: string[];
}

/** A small seeded generator (mulberry32): the same seed gives the same order on every machine. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the seeded generator. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';

/**
 * Prefixes everything the extension host prints with OUTPUT_TAG; returns the undo. VS Code makes the
 * methods of the host's `console` read-only, so the global `console` itself is swapped for a wrapper.
 * process.stdout/stderr writes are forwarded by VS Code through console.log/error, so they are tagged too.
 */
function tagConsoleOutput(): () => void {
  const original = globalThis.console;
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'console');
  if (!descriptor || !('value' in descriptor) || !descriptor.configurable) return () => {};
  const wrapper: Console = Object.create(original);
  // the workbench drops 'debug' messages of the extension host: send them as 'log'
  const target: Record<ConsoleMethod, 'log' | 'info' | 'warn' | 'error'> = {
    log: 'log',
    info: 'info',
    warn: 'warn',
    error: 'error',
    debug: 'log',
  };
  for (const method of Object.keys(target) as ConsoleMethod[]) {
    const forward = original[target[method]];
    // defineProperty, not assignment: VS Code's console methods are accessors with a no-op setter
    Object.defineProperty(wrapper, method, {
      value: (...args: unknown[]) => forward.call(original, OUTPUT_TAG + util.format(...args)),
      configurable: true,
      writable: true,
    });
  }
  Object.defineProperty(globalThis, 'console', { ...descriptor, value: wrapper });
  return () => {
    Object.defineProperty(globalThis, 'console', descriptor);
  };
}

/**
 * Stack traces through the compiled tests point at the .ts sources. Node would do this by itself with
 * source maps enabled, but the extension host installs its own Error.prepareStackTrace, which turns that
 * off: so the frames in our bundles are mapped here, after VS Code has formatted the trace.
 */
function mapStackTraces(dir: string): () => void {
  const previous = Error.prepareStackTrace;
  const mapFrame = (whole: string, file: string, line: string, column: string): string => {
    if (!file.startsWith(dir)) return whole;
    const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(column) - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined) return whole;
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource;
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  };
  Error.prepareStackTrace = (error, callSites) => {
    const stack = previous
      ? previous(error, callSites)
      : `${error}\n${callSites.map((site) => `    at ${site}`).join('\n')}`;
    return typeof stack === 'string' ? stack.replace(/(\/[^\s():]+\.js):(\d+):(\d+)/g, mapFrame) : stack;
  };
  return () => {
    Error.prepareStackTrace = previous;
  };
}

function findCompiledTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findCompiledTests(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack || `${error.name}: ${error.message}`;
  return String(error);
}

export async function run(): Promise<void> {
  process.setSourceMapsEnabled?.(true); // before the tests load, so that node keeps their source maps
  const unmap = mapStackTraces(__dirname);
  // only under scripts/vscode-host (code-server), which reads the tags; not under @vscode/test-electron
  const tagged = process.env.LMX_TEST_TAG_OUTPUT === '1';
  const untag = tagged ? tagConsoleOutput() : () => {};
  if (tagged) console.log(START_TAG);
  const results: SuiteResults = { passed: 0, failed: 0, pending: 0, durationMs: 0, failures: [], tests: [], order: [] };
  const started = Date.now();
  try {
    const mocha = new Mocha({
      ui: 'bdd',
      reporter: 'spec',
      color: process.env.LMX_TEST_COLOR === '1',
      timeout: 60_000,
      grep: process.env.LMX_TEST_GREP || undefined,
    });
    // the reporters captured console.log when mocha was loaded, before it was tagged
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(...args);
    let files = findCompiledTests(__dirname);
    const only = (process.env.LMX_TEST_FILES ?? '').split(',').filter(Boolean);
    if (only.length) files = files.filter((f) => only.includes(path.relative(__dirname, f).replace(/\.js$/, '')));
    const seed = process.env.LMX_TEST_SEED;
    if (seed !== undefined && seed !== '') {
      if (!/^\d+$/.test(seed)) throw new Error(`LMX_TEST_SEED must be a whole number, got "${seed}"`);
      files = shuffled(files, Number(seed));
      console.log(`suite order shuffled with seed ${seed}: ${files.map((f) => path.basename(f, '.test.js')).join(', ')}`);
    }
    results.order = files.map((f) => path.relative(__dirname, f));
    for (const file of files) mocha.addFile(file);

    await new Promise<void>((resolve) => {
      let runner: Mocha.Runner;
      try {
        runner = mocha.run(() => resolve());
      } catch (error) {
        // a test file that throws while loading
        results.failed++;
        results.failures.push({ title: 'loading the integration tests', error: errorText(error) });
        console.error(errorText(error));
        resolve();
        return;
      }
      const record = (test: Mocha.Runnable, state: 'passed' | 'failed' | 'pending') =>
        results.tests.push({ title: test.fullTitle(), state, file: test.file && path.relative(__dirname, test.file) });
      runner.on('pass', (test) => {
        results.passed++;
        record(test, 'passed');
      });
      runner.on('pending', (test) => {
        results.pending++;
        record(test, 'pending');
      });
      runner.on('fail', (test, error) => {
        results.failed++;
        results.failures.push({ title: test.fullTitle(), error: errorText(error) });
        record(test, 'failed');
      });
    });
  } finally {
    results.durationMs = Date.now() - started;
    const json = JSON.stringify(results);
    if (process.env.LMX_TEST_RESULTS) {
      try {
        fs.mkdirSync(path.dirname(process.env.LMX_TEST_RESULTS), { recursive: true });
        fs.writeFileSync(process.env.LMX_TEST_RESULTS, json);
      } catch (error) {
        console.error(`could not write ${process.env.LMX_TEST_RESULTS}: ${errorText(error)}`);
      }
    }
    if (tagged) console.log(RESULTS_TAG + json);
    untag();
    unmap();
  }
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
}
