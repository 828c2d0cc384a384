// `npm run test:electron`: the same integration suite through @vscode/test-electron, i.e. in a desktop
// VS Code that it downloads (update.code.visualstudio.com). For machines with network access and a
// display (on a headless Linux: `xvfb-run -a npm run test:electron`). The offline way is `npm test`.
//   LMX_VSCODE_VERSION   VS Code version to download (default: stable)
//   LMX_ELECTRON_TIMEOUT_MS   give up after this long (default 15 min)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIntegrationTests } from './vscode-host/bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const timeoutMs = Number(process.env.LMX_ELECTRON_TIMEOUT_MS) || 15 * 60_000;

function giveUp(message) {
  console.error(`test:electron: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

async function main() {
  const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) giveUp('the build failed');
  const { suitePath } = await bundleIntegrationTests({ root });
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('test:electron: no DISPLAY; VS Code desktop needs one (run it under `xvfb-run -a`).');
  }
  const resultsFile = path.join(root, 'test-results', 'electron-results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-electron-ws-'));
  const { runTests } = require('@vscode/test-electron');
  const timer = setTimeout(() => giveUp(`no result after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
  timer.unref();
  let exitCode;
  try {
    exitCode = await runTests({
      version: process.env.LMX_VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: suitePath,
      extensionTestsEnv: { LMX_TEST_RESULTS: resultsFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (error) {
    const text = String(error?.message ?? error);
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|download/i.test(text);
    giveUp(
      offline
        ? `could not download VS Code (${text.split('\n')[0]}). This needs network access; offline, use \`npm test\` (code-server).`
        : `VS Code did not run the suite: ${text}`,
    );
  } finally {
    clearTimeout(timer);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  let results;
  try {
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch {}
  if (!results) giveUp(`VS Code exited (${exitCode}) without results`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed > 0 || exitCode !== 0 ? 1 : 0);
}

main().catch((error) => giveUp(error?.stack ?? String(error)));
