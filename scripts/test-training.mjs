// Runs the training integration tests alone in the real VS Code host, with the real-browser capture of
// the dashboard (scripts/webview-capture.mjs): screenshots and canvas measurements in test-results/.
//
//   node scripts/test-training.mjs            build, then the `training` suite
//   node scripts/test-training.mjs --no-build
//   LMX_TEST_GREP='dashboard' node scripts/test-training.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIntegrationTests, runVsCodeSuite } from './vscode-host/index.mjs';
import { captureHandler } from './webview-capture.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
if (!process.argv.includes('--no-build')) {
  const r = spawnSync(process.execPath, ['esbuild.js'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { suitePath } = await bundleIntegrationTests({ root });
const outDir = path.join(root, 'test-results');
fs.mkdirSync(outDir, { recursive: true });
const r = await runVsCodeSuite({
  extensionPath: root,
  suitePath,
  env: { LMX_TEST_GREP: process.env.LMX_TEST_GREP || '^training ', LMX_TEST_RESULTS: path.join(outDir, 'training-results.json') },
  logFile: path.join(outDir, 'training-vscode.log'),
  onOutput: captureHandler({ outDir }),
});
console.log(JSON.stringify({ exitCode: r.exitCode, error: r.error, passed: r.results?.passed, failed: r.results?.failed, pending: r.results?.pending }));
for (const f of r.results?.failures ?? []) console.log(`✘ ${f.title}\n${f.error}\n`);
process.exit(r.exitCode || (r.error ? 1 : 0));
