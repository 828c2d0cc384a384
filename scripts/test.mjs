// `npm test`: everything, from a fresh clone, offline.
//
//   node scripts/test.mjs                 system packages, dependencies, build, typecheck, lint, unit tests, integration tests,
//                                         the installed .vsix tests, the integration tests in Polish and (the suites that
//                                         photograph a webview) in the pseudo-locale
//   node scripts/test.mjs --unit          system packages, dependencies, build, typecheck, lint, unit tests
//   node scripts/test.mjs --integration   system packages, dependencies, build, integration tests (real VS Code host),
//                                         the installed .vsix tests (npm run package's files, installed into that host),
//                                         the Polish and the pseudo-locale passes
//   node scripts/test.mjs --l10n          system packages, dependencies, build, the integration tests in Polish and
//                                         in the pseudo-locale
//
// First of all it installs what any phase needs from the machine (scripts/system-requirements.cjs): the
// Debian packages (apt-get, as root) and the Python packages of the interop tests (pip, into a virtual
// environment in the cache). Where it cannot (not root, not Debian, no network) it says so, and each test
// that needs what is missing fails naming it and the command that installs it. See docs/testing.md.
//
// The last line is always `N passed, N failed` (unit tests + integration tests + typecheck + lint; a build or
// setup that fails counts as one failure), after one that says `N pending` (naming each); the exit code
// is non-zero when anything failed.
// Integration tests run in a real VS Code extension host (code-server + headless Chromium, see
// scripts/vscode-host/); the server is built once into a cache outside the repository.
// Logs of the last integration run: test-results/integration-vscode.log, test-results/integration-results.json
// Environment: LMX_UNIT_TIMEOUT_MS (whole unit run, default 30 min), LMX_TEST_TIMEOUT_MS (whole integration
// run, default 10 min), LMX_HOST_START_TIMEOUT_MS (default 120 s), LMX_TEST_GREP (only the unit and
// integration tests whose full title matches this regular expression), LMX_TEST_FILES (only these integration
// suite files, comma-separated: `attention.test,l10n.test`; in every pass), LMX_TEST_SEED (integration suite
// order, see test/integration/index.ts), LMX_TEST_LOCALES (the display-language passes after English, default
// pl,qps-ploc), LMX_TEST_VERBOSE=1 (print the workbench's log too),
// LMX_TEST_WORKSPACE (folder to open), LMX_CODE_SERVER_DIR, LMX_CHROMIUM, LMX_SWIFTSHADER_ICD, LMX_PYTHON_DIR.
//
// Node built-ins only at the top: on a fresh clone node_modules does not exist yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const requirements = createRequire(import.meta.url)('./system-requirements.cjs');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const argv = process.argv.slice(2);
const onlyUnit = argv.includes('--unit');
const onlyIntegration = argv.includes('--integration');
const onlyL10n = argv.includes('--l10n');
const runUnit = !onlyIntegration && !onlyL10n;
const runIntegration = !onlyUnit && !onlyL10n;
const runL10n = onlyL10n || runIntegration;
/**
 * The display languages the integration suite runs in after English (LMX_TEST_LOCALES, comma-separated, picks
 * some: `LMX_TEST_LOCALES=qps-ploc npm run test:l10n`; empty: none): Polish, every suite (screenshots of the
 * views in test-results/l10n-pl-*.png); then the pseudo-locale, where a webview that shows English fails its
 * capture (only the suites that capture one: webviewSuites).
 */
const L10N_LOCALES = process.env.LMX_TEST_LOCALES !== undefined ? process.env.LMX_TEST_LOCALES.split(',').map((l) => l.trim()).filter(Boolean) : ['pl', 'qps-ploc'];
const PSEUDO_LOCALE = 'qps-ploc';
const color = !!process.stdout.isTTY && !process.env.NO_COLOR;

const tally = { passed: 0, failed: 0, pending: [], failures: [] };
const timings = [];

const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (text) => paint('1', text);
const red = (text) => paint('31', text);
const green = (text) => paint('32', text);

function duration(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function fail(title, error) {
  tally.failed++;
  tally.failures.push({ title, error });
}

/** Runs one phase under a heading; `fn` returns true (ok), false (failed) or 'skipped'. */
async function phase(name, fn) {
  console.log(`\n${bold(`━━ ${name} ━━`)}`);
  const started = Date.now();
  let status;
  try {
    status = await fn();
  } catch (error) {
    console.error(red(error?.message ?? String(error)));
    fail(name, error?.message ?? String(error));
    status = false;
  }
  const ms = Date.now() - started;
  const word = status === 'skipped' ? 'skipped' : status ? green('ok') : red('FAILED');
  console.log(`── ${name}: ${word} (${duration(ms)})`);
  timings.push({ name, ms, status });
  return status;
}

function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { stdio: 'inherit', killSignal: 'SIGKILL', ...options });
  if (r.error?.code === 'ETIMEDOUT') {
    throw new Error(`${path.basename(args[0] ?? command)} did not finish within ${duration(options.timeout)}: killed`);
  }
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  return r.status ?? 1;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function sameDependencies(a = {}, b = {}) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** Why node_modules must be (re)installed, or undefined when it matches package.json + package-lock.json. */
function dependencyProblem() {
  if (!fs.existsSync('node_modules')) return 'node_modules is missing';
  const hiddenLock = path.join('node_modules', '.package-lock.json');
  if (!fs.existsSync(hiddenLock)) return 'node_modules was not installed by npm';
  const pkg = readJson('package.json');
  const wanted = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
  if (!fs.existsSync('package-lock.json')) {
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (!fs.existsSync(path.join('node_modules', name, 'package.json'))) return `${name} is not installed`;
    }
    return undefined;
  }
  const lock = readJson('package-lock.json');
  const lockRoot = lock.packages?.[''] ?? {};
  const locked = { ...lockRoot.dependencies, ...lockRoot.devDependencies, ...lockRoot.optionalDependencies };
  if (!sameDependencies(wanted, locked)) return 'package.json and package-lock.json differ';
  const installed = readJson(hiddenLock).packages ?? {};
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key || !key.includes('node_modules/')) continue;
    const have = installed[key];
    if (!have) {
      if (entry.optional) continue; // other platforms' binaries, optional packages that failed to build
      return `${key.replace(/^.*node_modules\//, '')} is not installed`;
    }
    if (entry.version && have.version !== entry.version) {
      return `${key.replace(/^.*node_modules\//, '')} is ${have.version}, package-lock.json wants ${entry.version}`;
    }
  }
  for (const key of Object.keys(installed)) {
    if (key.includes('node_modules/') && !lock.packages?.[key]) return `${key.replace(/^.*node_modules\//, '')} is no longer in package-lock.json`;
  }
  return undefined;
}

/**
 * Every Debian package any phase needs, then the interop tests' Python packages, before the first test.
 * What cannot be installed is not counted here: the tests that need it fail, each naming it.
 */
async function systemRequirements() {
  const logFile = path.join(root, 'test-results', 'system-packages.log');
  const say = (line) => console.log(line);
  const names = requirements.SYSTEM_PACKAGES.map((p) => p.name);
  const { installed, missing, reason } = requirements.installSystemPackages(names, { logFile, say });
  let ok = true;
  if (missing.length === 0) {
    console.log(installed.length ? `installed ${installed.map((p) => p.name).join(', ')} (apt-get log: ${path.relative(root, logFile)})` : `Debian packages: ${names.join(', ')} are there`);
  } else {
    ok = false;
    console.log(red(`cannot install ${missing.map((p) => p.name).join(', ')}: ${reason}`));
    for (const p of missing) console.log(red(`  ${p.name}: ${p.why}`));
    console.log(red(`the tests that need them will fail; install them with: ${requirements.aptCommand(missing.map((p) => p.name))}`));
  }
  if (runUnit) {
    try {
      const { python, installed: pyInstalled } = requirements.ensurePythonPackages({ say });
      if (!pyInstalled.length) console.log(`Python packages: ${requirements.PYTHON_PACKAGES.map((p) => p.name).join(', ')} are there (${python})`);
    } catch (error) {
      ok = false;
      console.log(red(`cannot set up the interop tests' Python packages: ${error.message}`));
      console.log(red('the safetensors interop tests will fail'));
    }
  }
  return ok;
}

async function dependencies() {
  const problem = dependencyProblem();
  if (!problem) {
    console.log('node_modules is up to date');
    return true;
  }
  // npm ci over a node_modules that is a link empties the folder it links to, which other checkouts share
  // (git worktrees link one node_modules): say what is wrong instead of installing through the link.
  if (fs.lstatSync('node_modules', { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new Error(`${problem}, and node_modules is a link to ${fs.realpathSync('node_modules')}: install there, not through the link.`);
  }
  console.log(`${problem}: installing`);
  const hasLock = fs.existsSync('package-lock.json');
  const args = hasLock && problem !== 'package.json and package-lock.json differ' ? ['ci'] : ['install'];
  const status = run('npm', [...args, '--no-audit', '--no-fund']);
  if (status !== 0) throw new Error(`npm ${args[0]} failed (exit ${status})`);
  return true;
}

function findFiles(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, suffix));
    else if (entry.name.endsWith(suffix)) found.push(full);
  }
  return found;
}

/** Whether native/'s addon is missing or older than one of its sources (a checkout that merged new C++). */
function nativeAddonStale() {
  const built = path.join('native', 'build', 'Release', 'lmx_native.node');
  if (!fs.existsSync(built)) return true;
  const sources = [path.join('native', 'binding.gyp'), ...fs.readdirSync(path.join('native', 'src')).map((f) => path.join('native', 'src', f))];
  const builtAt = fs.statSync(built).mtimeMs;
  return sources.some((f) => fs.statSync(f).mtimeMs > builtAt);
}

async function build() {
  if (process.env.LMX_SKIP_NATIVE !== '1' && nativeAddonStale()) {
    console.log('native/ sources are newer than the built addon: rebuilding it');
    const native = run(process.execPath, [path.join('scripts', 'build-native.mjs'), '--strict']);
    if (native !== 0) {
      fail('build (node scripts/build-native.mjs --strict)', `exit ${native}`);
      return false;
    }
  }
  const status = run(process.execPath, ['esbuild.js']);
  if (status !== 0) {
    fail('build (node esbuild.js)', `exit ${status}`);
    return false;
  }
  return true;
}

async function typecheck() {
  const status = run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.']);
  if (status === 0) {
    tally.passed++;
    console.log('no type errors');
    return true;
  }
  fail('typecheck (tsc --noEmit -p .)', 'type errors, see above');
  return false;
}

/** `npm run lint`: the layering (eslint.config.mjs; docs/ARCHITECTURE.md, Layers and the lint). */
async function lint() {
  const status = run('npm', ['run', '--silent', 'lint']);
  if (status === 0) {
    tally.passed++;
    console.log('no lint errors');
    return true;
  }
  fail('lint (npm run lint)', 'lint errors, see above');
  return false;
}

async function unitTests() {
  const files = findFiles(path.join('test', 'unit'), '.test.ts');
  if (files.length === 0) {
    console.log('no unit test files in test/unit');
    return 'skipped';
  }
  const resultsFile = path.join(os.tmpdir(), `lmx-unit-${process.pid}.json`);
  fs.rmSync(resultsFile, { force: true });
  const status = run(
    process.execPath,
    [
      path.join('node_modules', 'mocha', 'bin', 'mocha.js'),
      '--reporter',
      './scripts/mocha-results-reporter.cjs',
      ...(process.env.LMX_TEST_GREP ? ['--grep', process.env.LMX_TEST_GREP] : []),
      ...(color ? ['--color'] : []),
    ],
    {
      env: { ...process.env, LMX_UNIT_RESULTS: resultsFile },
      // mocha's per-test timeout cannot stop a test that blocks, nor one that leaves the process running
      timeout: Number(process.env.LMX_UNIT_TIMEOUT_MS) || 30 * 60_000,
    },
  );
  let results;
  try {
    results = readJson(resultsFile);
  } catch {}
  fs.rmSync(resultsFile, { force: true });
  if (!results) {
    fail('unit tests', `mocha exited (${status}) without running the tests, see above`);
    return false;
  }
  tally.passed += results.passed;
  tally.pending.push(...(results.skipped ?? []).map((title) => `unit: ${title}`));
  for (const f of results.failures) fail(`unit: ${f.title}`, f.error);
  if (results.failed === 0 && status !== 0) fail('unit tests', `mocha exited with ${status}`);
  return results.failed === 0 && status === 0;
}

let host; // the scripts/vscode-host module, loaded once node_modules exists

async function vscodeSetup() {
  host = await import(pathToFileURL(path.join(root, 'scripts', 'vscode-host', 'index.mjs')).href);
  const cs = host.ensureCodeServer();
  host.ensureSystemPackages({ build: false });
  console.log(`code-server ${cs.version}${cs.cached ? ' (cached)' : ''}: ${cs.pkg}`);
  console.log(`browser: ${host.chromiumPath()}`);
  return true;
}

/**
 * The suite files (`attention.test`, …) that photograph a webview (captureWebview): the only ones the
 * pseudo-locale pass runs. Its one check of its own is the capture's search for English in a page; every
 * other assertion of a suite is the one the Polish pass makes (a test finds a text with shownAs, in the
 * display language's bundle), so the other suites would check nothing there that Polish does not.
 */
function webviewSuites(testFiles) {
  return testFiles.filter((file) => /\bcaptureWebview\(/.test(fs.readFileSync(file, 'utf8'))).map((file) => path.basename(file).replace(/\.ts$/, ''));
}

async function integrationTests(locale) {
  const { suitePath, testFiles } = await host.bundleIntegrationTests({ root });
  console.log(`compiled ${testFiles.length} suite file(s) into ${path.relative(root, path.dirname(suitePath))}/`);
  const only = locale === PSEUDO_LOCALE && !process.env.LMX_TEST_FILES ? webviewSuites(testFiles) : [];
  if (only.length) console.log(`${locale}: only the suites that capture a webview: ${only.join(', ')}`);
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) console.log(red('warning: dist/extension.js was not built'));
  const resultsDir = path.join(root, 'test-results');
  const suffix = locale ? `-${locale}` : '';
  const resultsFile = path.join(resultsDir, `integration-results${suffix}.json`);
  const logFile = path.join(resultsDir, `integration-vscode${suffix}.log`);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  // Real-browser checks of the webviews: a suite asks for a capture (screenshot + canvas measurements) by
  // printing a tagged line; see scripts/webview-capture.mjs.
  const captureModule = path.join(root, 'scripts', 'webview-capture.mjs');
  const onOutput = fs.existsSync(captureModule)
    ? (await import(pathToFileURL(captureModule).href)).captureHandler({ outDir: resultsDir })
    : undefined; // the launcher's default: print every line
  const r = await host.runVsCodeSuite({
    extensionPath: root,
    suitePath,
    workspace: process.env.LMX_TEST_WORKSPACE,
    locale,
    env: {
      LMX_TEST_RESULTS: resultsFile,
      ...(locale ? { LMX_TEST_LOCALE: locale } : {}),
      ...(only.length ? { LMX_TEST_FILES: only.join(',') } : {}),
      ...(onOutput ? { LMX_TEST_CAPTURE: '1' } : {}), // a capture that does not come is then a failure
      ...(color ? { LMX_TEST_COLOR: '1' } : {}),
    },
    logFile,
    onOutput,
  });
  console.log(`log: ${path.relative(root, logFile)}`);
  if (!r.results) {
    fail('integration tests', r.error ?? `the VS Code extension host ended (exit ${r.exitCode}) without results`);
    return false;
  }
  const label = locale ? `integration (${locale})` : 'integration';
  tally.passed += r.results.passed;
  tally.pending.push(...(r.results.tests ?? []).filter((t) => t.state === 'pending').map((t) => `${label}: ${t.title}`));
  for (const f of r.results.failures) fail(`${label}: ${f.title}`, f.error);
  if (r.error) fail(`${label} tests`, r.error);
  return r.results.failed === 0 && !r.error && r.exitCode === 0;
}

/**
 * The .vsix files as a user gets them: each package scripts/package.mjs builds here is installed into a
 * fresh code-server (`--install-extension`) and test/installed runs from the installed copy. The host's
 * extensionDevelopmentPath, which VS Code needs to run a suite, is an empty extension of its own.
 */
async function installedPackageTests() {
  const grep = process.env.LMX_TEST_GREP;
  if (grep && !new RegExp(grep).test(INSTALLED_SUITE)) {
    console.log(`LMX_TEST_GREP does not match "${INSTALLED_SUITE}"`);
    return 'skipped';
  }
  const packaging = await import(pathToFileURL(path.join(root, 'scripts', 'package.mjs')).href);
  const { suitePath } = await host.bundleIntegrationTests({ root, suite: 'installed' });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-installed-'));
  const runner = path.join(scratch, 'test-runner');
  fs.mkdirSync(runner);
  fs.writeFileSync(
    path.join(runner, 'package.json'),
    JSON.stringify({ name: 'installed-vsix-tests', publisher: 'lmx-tests', version: '0.0.0', engines: { vscode: '*' } }),
  );
  const platform = packaging.platformTarget();
  if (!platform.target) console.log(red(`no platform package to test: ${platform.reason}`));
  const resultsDir = path.join(root, 'test-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  let ok = !!platform.target;
  if (!ok) fail('installed .vsix', `no platform package: ${platform.reason}`);
  try {
    for (const target of platform.target ? [platform.target, undefined] : [undefined]) {
      const name = target ?? 'universal';
      const vsix = packaging.buildPackage({ target, outDir: scratch });
      const extensionsDir = path.join(scratch, `extensions-${name}`);
      const resultsFile = path.join(resultsDir, `installed-${name}-results.json`);
      const logFile = path.join(resultsDir, `installed-${name}-vscode.log`);
      fs.rmSync(resultsFile, { force: true });
      const vscodeHost = await host.startVsCodeHost({
        installExtensions: [vsix],
        extensionsDir,
        logFile,
        env: {
          LMX_TEST_RESULTS: resultsFile,
          LMX_INSTALLED_VSIX: path.basename(vsix),
          LMX_INSTALLED_TARGET: name,
          LMX_INSTALLED_EXTENSIONS_DIR: extensionsDir,
          LMX_SOURCE_ROOT: root,
          ...(color ? { LMX_TEST_COLOR: '1' } : {}),
        },
      });
      let r;
      try {
        r = await host.runVsCodeSuite({ extensionPath: runner, suitePath, host: vscodeHost });
      } finally {
        await vscodeHost.close({ keep: false });
      }
      console.log(`log: ${path.relative(root, logFile)}`);
      if (!r.results) {
        fail(`installed .vsix (${name})`, r.error ?? `the VS Code extension host ended (exit ${r.exitCode}) without results`);
        ok = false;
        continue;
      }
      tally.passed += r.results.passed;
      tally.pending.push(...(r.results.tests ?? []).filter((t) => t.state === 'pending').map((t) => `installed: ${t.title}`));
      for (const f of r.results.failures) fail(`installed: ${f.title}`, f.error);
      if (r.error) fail(`installed .vsix (${name})`, r.error);
      ok &&= r.results.failed === 0 && !r.error && r.exitCode === 0;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return ok;
}

/** The pseudo-locale's translations (generated, not committed): every letter of every text accented. */
async function pseudoLocaleFiles() {
  const cli = path.join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
  const status = run(process.execPath, [cli, 'generate-pseudo', path.join('l10n', 'bundle.l10n.json'), 'package.nls.json']);
  if (status !== 0) throw new Error(`l10n-dev generate-pseudo failed (exit ${status})`);
  return true;
}

/** The title of test/installed's suite starts with this (LMX_TEST_GREP selects the phase by it). */
const INSTALLED_SUITE = 'installed .vsix';

async function main() {
  const started = Date.now();
  const what = onlyUnit ? 'unit tests + typecheck + lint' : onlyIntegration ? 'integration tests' : onlyL10n ? 'integration tests in Polish and the pseudo-locale' : 'all tests';
  console.log(bold(`LM Explorer: ${what}`));
  await phase('system packages (Debian, Python)', systemRequirements);
  const depsOk = await phase('dependencies', dependencies);
  if (depsOk) {
    // also for the unit tests: the CLI's test runs the built dist/cli.js
    const built = await phase('build', build);
    if (runUnit) {
      await phase('typecheck', typecheck);
      await phase('lint', lint);
      await phase('unit tests', unitTests);
    }
    if (runIntegration || runL10n) {
      if (!built) {
        console.log('\nintegration tests skipped: the build failed');
      } else if (await phase('VS Code host setup', vscodeSetup)) {
        if (runIntegration) {
          await phase('integration tests (VS Code extension host)', () => integrationTests());
          await phase('installed .vsix (VS Code extension host)', installedPackageTests);
        }
        if (runL10n && L10N_LOCALES.length && (await phase('pseudo-locale files (npm run l10n:pseudo)', pseudoLocaleFiles))) {
          for (const locale of L10N_LOCALES) await phase(`integration tests, display language ${locale}`, () => integrationTests(locale));
        }
      }
    }
  }

  console.log(`\n${bold('━━ summary ━━')}`);
  for (const t of timings) {
    const word = t.status === 'skipped' ? 'skipped' : t.status ? 'ok' : 'FAILED';
    console.log(`  ${t.name.padEnd(46)} ${word.padEnd(8)} ${duration(t.ms)}`);
  }
  console.log(`  ${'total'.padEnd(46)} ${''.padEnd(8)} ${duration(Date.now() - started)}`);
  if (tally.failures.length) {
    console.log(red(`\nfailed:`));
    for (const f of tally.failures) {
      const isTest = /^(unit|integration|installed): /.test(f.title);
      console.log(red(`  ✘ ${f.title}${isTest ? '' : `: ${String(f.error).split('\n')[0]}`}`));
    }
  }
  // A pending test checked nothing: each is named (its title says why it is skipped).
  console.log(`${tally.pending.length} pending${tally.pending.length ? ':' : ''}`);
  for (const title of tally.pending) console.log(`  - ${title}`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  process.exitCode = tally.failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  console.log(`${tally.passed} passed, ${tally.failed + 1} failed`);
  process.exitCode = 1;
});
