// `npm start`: LM Explorer in a real VS Code, on the sample notes (or your own), from a fresh clone.
//
//   npm start                      install what is missing, build, open VS Code with the extension loaded
//   npm start -- --workspace DIR   open your own notes (the folder DIR) instead of sample-workspace/;
//                                  the same with LMX_WORKSPACE=DIR npm start. A relative DIR is taken from
//                                  where you ran npm.
//   npm start -- --server          use VS Code in the browser (code-server) even where `code` is installed
//   npm start -- --port 8080       the port for code-server (default: 8080, or any free one if taken)
//   npm start -- --check           start code-server, check in headless Chromium that LM Explorer's commands
//                                  work on the notes, save screenshots (/tmp/lmx-start-*.png), stop
//   npm start -- --no-install      skip `npm ci`        --no-build   skip the build
//
// Where the desktop `code` command is on the PATH it runs `code --extensionDevelopmentPath=<repo>
// sample-workspace` (an Extension Development Host window). Otherwise it starts the same code-server the
// integration tests use (scripts/vscode-host/, built once into a cache) and prints the URL to open: the URL
// carries the extension development path, exactly as the tests load the extension. Ctrl-C stops it.
//
// Node built-ins only at the top: on a fresh clone node_modules does not exist yet.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sampleWorkspace = path.join(root, 'sample-workspace');
const stateDir = path.join(root, '.vscode-test', 'start');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
/** `--name value` or `--name=value`; `fallback` when absent, '' when the value is missing. */
const option = (name, fallback) => {
  const joined = argv.find((a) => a.startsWith(`--${name}=`));
  if (joined) return joined.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = argv[i + 1];
  return value === undefined || value.startsWith('--') ? '' : value;
};
const say = (message) => console.log(`[start] ${message}`);

/**
 * The folder VS Code opens: --workspace DIR, else $LMX_WORKSPACE, else sample-workspace/. npm runs this
 * script in the repository, so a relative DIR is resolved from where npm was run ($INIT_CWD).
 */
function chooseWorkspace() {
  const fromFlag = option('workspace');
  const given = fromFlag ?? process.env.LMX_WORKSPACE;
  if (given === undefined || (fromFlag === undefined && given === '')) return sampleWorkspace;
  const source = fromFlag !== undefined ? '--workspace' : 'LMX_WORKSPACE';
  if (given === '') throw new Error(`${source} needs a folder: npm start -- --workspace ~/notes`);
  const expanded = given === '~' || given.startsWith('~/') ? path.join(os.homedir(), given.slice(1)) : given;
  const folder = path.resolve(process.env.INIT_CWD || process.cwd(), expanded);
  if (!fs.existsSync(folder)) throw new Error(`${source}: ${folder} does not exist`);
  if (!fs.statSync(folder).isDirectory()) throw new Error(`${source}: ${folder} is a file; give the folder of your notes`);
  return folder;
}

let workspace;
try {
  workspace = chooseWorkspace();
} catch (error) {
  console.error(`[start] ${error.message}`);
  process.exit(2);
}
const workspaceName = workspace === sampleWorkspace ? 'the sample notes (sample-workspace/)' : workspace;

function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw new Error(`${command} could not start: ${r.error.message}`);
  return r.status ?? 1;
}

function onPath(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const full = dir && path.join(dir, command);
    if (full && fs.existsSync(full) && fs.statSync(full).isFile()) return full;
  }
  return undefined;
}

/** npm ci (or npm install without a lock file) when node_modules is missing or older than the lock. */
function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const fresh =
    fs.existsSync(installed) && (!fs.existsSync(lock) || fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs);
  if (fresh) return;
  say('installing dependencies…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (fs.existsSync(lock) && run(npm, ['ci', '--no-audit', '--no-fund']) === 0) return;
  if (run(npm, ['install', '--no-audit', '--no-fund']) !== 0) throw new Error('npm install failed');
}

function build() {
  say('building…');
  if (run(process.execPath, ['esbuild.js']) !== 0) throw new Error('the build failed (node esbuild.js): see above');
  for (const file of ['dist/extension.js', 'dist/tokenWorker.js']) {
    if (!fs.existsSync(path.join(root, file))) throw new Error(`the build did not produce ${file}`);
  }
}

function freePort(preferred) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

/** User settings for the start profile (kept between runs in .vscode-test/start). */
function writeUserSettings(userDataDir, testSettings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = {
    ...testSettings,
    'workbench.startupEditor': 'readme',
    'security.workspace.trust.enabled': false,
    'window.confirmBeforeClose': 'never',
  };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

async function startCodeServer({ fresh = false } = {}) {
  const host = await import(path.join(root, 'scripts', 'vscode-host', 'index.mjs'));
  const codeServer = host.ensureCodeServer(); // built once into a cache outside the repository
  fs.mkdirSync(stateDir, { recursive: true });
  // --check starts from a clean profile every time, so that what it sees does not depend on earlier runs.
  const userDataDir = fresh ? fs.mkdtempSync(path.join(stateDir, 'check-')) : path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, host.TEST_USER_SETTINGS ?? {});
  const port = await freePort(Number(option('port', process.env.PORT || 8080)));
  const server = spawn(
    process.execPath,
    [codeServer.entry, ...host.codeServerArgs({ bindAddr: `127.0.0.1:${port}`, userDataDir, extensionsDir, workspace })],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_DATA_HOME: path.join(stateDir, 'xdg-data'), XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config') },
    },
  );
  const logFile = path.join(stateDir, 'code-server.log');
  const log = fs.createWriteStream(logFile, { flags: 'w' });
  let exited;
  const exitedPromise = new Promise((resolve) => server.once('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = await new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      log.write(chunk);
      buffer += chunk;
      const m = /HTTP server listening on (\S+)/.exec(buffer);
      if (m) resolve(m[1].replace(/\/$/, ''));
    };
    server.stdout.setEncoding('utf8').on('data', onData);
    server.stderr.setEncoding('utf8').on('data', onData);
    exitedPromise.then(({ code, signal }) => reject(new Error(`code-server exited (${code ?? signal}); log: ${logFile}`)));
    setTimeout(() => reject(new Error(`code-server did not start within 60 s; log: ${logFile}`)), 60_000).unref();
  });
  const authority = new URL(url).host;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
    ['skipWelcome', 'true'],
  ];
  const workbenchUrl = `${url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const stop = async () => {
    if (!exited) {
      server.kill('SIGTERM');
      const killer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(killer);
    }
    await new Promise((resolve) => log.end(resolve));
    if (fresh) fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { url, workbenchUrl, stop, exitedPromise, logFile, host };
}

/** Drives the workbench in headless Chromium: the commands are there and work on the notes. */
async function check({ workbenchUrl, host }) {
  host.ensureSystemPackages?.({ build: false });
  const { createRequire } = await import('node:module');
  const { chromium } = createRequire(path.join(root, 'package.json'))('playwright-core');
  const browser = await chromium.launch({
    executablePath: host.chromiumPath?.() ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const shots = [];
  const shot = async (page, name) => {
    const file = `/tmp/lmx-start-${name}.png`;
    await page.screenshot({ path: file });
    shots.push(file);
  };
  try {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 860 },
      deviceScaleFactor: Number(process.env.LMX_CHECK_SCALE) || 1, // 2 for close-ups of the decorations
    });
    await page.goto(workbenchUrl, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    await page.waitForTimeout(4000);
    const palette = async (text) => {
      await page.keyboard.press('F1');
      await page.waitForSelector('.quick-input-widget', { state: 'visible' });
      await page.keyboard.type(text);
      await page.waitForTimeout(800);
    };
    // 1. The commands are in the palette.
    await palette('LM Explorer:');
    const labels = await page.$$eval('.quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? ''));
    const found = ['Show Token IDs', 'Check Context Fit', 'Switch Token Encoding'].filter((c) => labels.some((l) => l.includes(c)));
    await shot(page, 'palette');
    await page.keyboard.press('Escape');
    if (found.length < 3) throw new Error(`LM Explorer's commands are not in the command palette (saw: ${labels.join(' | ')})`);
    say(`commands found in the palette: ${found.join(', ')}`);
    // 2. Open a Polish note, select its first paragraphs, show the token IDs.
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget', { state: 'visible' });
    await page.keyboard.type('01-tokeny.md');
    await page.waitForTimeout(1000);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
    await page.waitForTimeout(1500);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 14; i++) await page.keyboard.press('Shift+ArrowDown');
    await palette('LM Explorer: Show Token IDs');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(2500);
    await page.keyboard.press('ArrowRight'); // drop the selection so the token colours show as they are
    await page.waitForTimeout(500);
    await shot(page, 'tokens');
    // 3. Hover a token.
    const word = page.locator('.monaco-editor .view-line').nth(2);
    const box = await word.boundingBox();
    if (box) {
      await page.mouse.move(box.x + 60, box.y + box.height / 2);
      await page.waitForTimeout(2500);
      await shot(page, 'hover');
      await page.mouse.move(5, 5);
    }
    // 4. Whitespace marks.
    await palette('LM Explorer: Toggle Whitespace in Token IDs');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await shot(page, 'whitespace');
    const editorBox = await page.locator('.monaco-editor .view-lines').first().boundingBox();
    if (editorBox) {
      const file = '/tmp/lmx-start-whitespace-closeup.png';
      await page.screenshot({ path: file, clip: { x: editorBox.x, y: editorBox.y, width: 700, height: 130 } });
      shots.push(file);
    }
    await palette('LM Explorer: Toggle Whitespace in Token IDs');
    await page.keyboard.press('Enter');
    // 5. The status bar counts, and Check Context Fit.
    const status = await page.$$eval('.statusbar-item', (items) => items.map((i) => i.textContent ?? '').filter((t) => / tokens · /.test(t)));
    say(`status bar: ${status.join(' | ') || '(no token counts found)'}`);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Escape'); // clears the overlay (the Escape keybinding)
    await page.waitForTimeout(800);
    await shot(page, 'cleared');
    await palette('LM Explorer: Check Context Fit');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(2000);
    await shot(page, 'context-fit');
    await page.keyboard.press('Escape');
    // 6. The encoding switcher from the status bar.
    const item = page.locator('.statusbar-item', { hasText: 'tokens ·' }).first();
    if (await item.count()) {
      await item.click();
      await page.waitForTimeout(1200);
      await shot(page, 'encoding');
      await page.keyboard.press('Escape');
    }
    if (status.length === 0) throw new Error('the status bar shows no token counts');
  } finally {
    await browser.close();
  }
  return shots;
}

async function main() {
  if (flag('check') && workspace !== sampleWorkspace) {
    throw new Error('--check drives the sample notes (it opens sample-workspace/01-tokeny.md): leave out --workspace / LMX_WORKSPACE');
  }
  if (!flag('no-install')) ensureDependencies();
  if (!flag('no-build')) build();
  const desktop = !flag('server') && !flag('check') && onPath(process.platform === 'win32' ? 'code.cmd' : 'code');
  if (desktop) {
    say(`opening VS Code on ${workspaceName} with the extension under development`);
    return run(desktop, [`--extensionDevelopmentPath=${root}`, workspace]);
  }
  say('starting VS Code in the browser (code-server)…');
  const server = await startCodeServer({ fresh: flag('check') });
  let stopping = false;
  const shutdown = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await server.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (flag('check')) {
    try {
      const shots = await check(server);
      say(`check passed; screenshots: ${shots.join(' ')}`);
      await shutdown(0);
    } catch (error) {
      console.error(`[start] check failed: ${error.message}; code-server log: ${server.logFile}`);
      await shutdown(1);
    }
    return 0;
  }
  console.log(`
  LM Explorer is running in VS Code for the browser, on ${workspaceName}.
  Open this URL (it loads the extension from ${root}):

    ${server.workbenchUrl}

  Then select some text, right-click, "LM Explorer: Show Token IDs". Rebuild with \`npm run build\` (or
  \`npm run watch\`) and reload the window (F1 → "Developer: Reload Window") to pick up changes.
  Press Ctrl-C to stop.
`);
  const { code, signal } = await server.exitedPromise;
  if (!stopping) {
    console.error(`[start] code-server stopped (${code ?? signal}); log: ${server.logFile}`);
    process.exit(code ?? 1);
  }
  return 0;
}

main().then(
  (code) => {
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  },
  (error) => {
    console.error(`[start] ${error.message}`);
    process.exit(1);
  },
);
