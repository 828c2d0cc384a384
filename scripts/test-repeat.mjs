// `npm run test:repeat -- N [--seed S]`: a flakiness check. Runs the integration suites N times (default 3),
// each time with the suite files in an order shuffled by a seed (S, S+1, …; S is random unless given, and
// printed), and reports every test whose result was not the same in every run.
//
// Each run is `node scripts/test.mjs --integration` with LMX_TEST_SEED set, in English only (LMX_TEST_LOCALES
// empty unless you set it; LMX_TEST_GREP and the other variables pass through); its results and log are kept
// in test-results/repeat/. To replay one run:
//   LMX_TEST_SEED=<seed> npm run test:integration
// The last line is `N runs: T tests, C changed, F failed`; the exit code is non-zero when a result changed
// or a test failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function usage(message) {
  console.error(`test:repeat: ${message}\nusage: npm run test:repeat -- N [--seed S]`);
  process.exit(2);
}

const seedAt = args.indexOf('--seed');
const seedArg = seedAt === -1 ? undefined : args[seedAt + 1];
const countArg = args.find((a, i) => !a.startsWith('--') && (seedAt === -1 || i !== seedAt + 1));
const runs = countArg === undefined ? 3 : Number(countArg);
if (!Number.isInteger(runs) || runs < 1) usage(`N must be a whole number ≥ 1, got "${countArg}"`);
if (seedArg !== undefined && !/^\d+$/.test(seedArg)) usage(`--seed must be a whole number, got "${seedArg}"`);
const baseSeed = seedArg !== undefined ? Number(seedArg) : Math.floor(Math.random() * 1_000_000);

const resultsDir = path.join(root, 'test-results');
const repeatDir = path.join(resultsDir, 'repeat');
fs.rmSync(repeatDir, { recursive: true, force: true });
fs.mkdirSync(repeatDir, { recursive: true });

console.log(`test:repeat: ${runs} run(s) of the integration suites, seeds ${baseSeed}…${baseSeed + runs - 1}`);
const history = []; // { seed, order, exitCode, results }
const started = Date.now();
for (let i = 0; i < runs; i++) {
  const seed = baseSeed + i;
  console.log(`\n━━ run ${i + 1} of ${runs}: LMX_TEST_SEED=${seed} ━━`);
  const resultsFile = path.join(resultsDir, 'integration-results.json');
  fs.rmSync(resultsFile, { force: true });
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'test.mjs'), '--integration'], {
    cwd: root,
    stdio: 'inherit',
    // the English results are the ones compared: the display-language passes would only double each run
    env: { ...process.env, LMX_TEST_SEED: String(seed), LMX_TEST_LOCALES: process.env.LMX_TEST_LOCALES ?? '' },
  });
  let results;
  try {
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    fs.copyFileSync(resultsFile, path.join(repeatDir, `run-${i + 1}-seed-${seed}.json`));
  } catch {
    results = undefined;
  }
  const log = path.join(resultsDir, 'integration-vscode.log');
  if (fs.existsSync(log)) fs.copyFileSync(log, path.join(repeatDir, `run-${i + 1}-seed-${seed}.log`));
  history.push({ seed, exitCode: r.status, results });
}

// Every test's result in each run ('—': it did not run, e.g. its suite failed to load).
const titles = new Map();
history.forEach((run, i) => {
  for (const t of run.results?.tests ?? []) {
    if (!titles.has(t.title)) titles.set(t.title, new Array(runs).fill('—'));
    titles.get(t.title)[i] = t.state;
  }
});
const changed = [...titles].filter(([, states]) => new Set(states).size > 1);
const failedAlways = [...titles].filter(([, states]) => states.every((s) => s === 'failed'));

console.log('\n━━ test:repeat ━━');
history.forEach((run, i) => {
  const r = run.results;
  const summary = r ? `${r.passed} passed, ${r.failed} failed, ${r.pending} pending` : `no results (exit ${run.exitCode})`;
  const order = r?.order?.map((f) => path.basename(f, '.test.js')).join(' → ') ?? '?';
  console.log(`  run ${i + 1}  seed ${String(run.seed).padEnd(7)} ${summary.padEnd(36)} ${order}`);
});
if (changed.length) {
  console.log(`\ntests whose result changed between runs (${changed.length}):`);
  for (const [title, states] of changed) console.log(`  ${title}\n      ${states.map((s, i) => `run ${i + 1}: ${s}`).join(', ')}`);
} else {
  console.log('\nno test changed its result between runs');
}
if (failedAlways.length) {
  console.log(`\nfailed in every run (${failedAlways.length}):`);
  for (const [title] of failedAlways) console.log(`  ${title}`);
}
const missingRuns = history.filter((run) => !run.results).length;
const failed = new Set([...titles].filter(([, states]) => states.includes('failed')).map(([title]) => title)).size;
console.log(`\nresults and logs of each run: ${path.relative(root, repeatDir)}/ (${((Date.now() - started) / 60_000).toFixed(1)} min)`);
console.log(`${runs} runs: ${titles.size} tests, ${changed.length} changed, ${failed + missingRuns} failed`);
process.exitCode = changed.length || failed || missingRuns ? 1 : 0;
