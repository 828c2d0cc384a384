// Runs a mocha suite inside a REAL VS Code extension host, offline: code-server (VS Code's server)
// plus headless Debian Chromium driven by playwright-core.
//
//   const host = await startVsCodeHost({ workspace, env });     // server + browser (a separate step)
//   const r = await runVsCodeSuite({ extensionPath, suitePath, host, onPage });
//   await host.close();
// or simply `await runVsCodeSuite({ extensionPath, suitePath, workspace, env })`, which starts and
// closes a host of its own.
//
// How a run works: the workbench is opened with a `payload` naming extensionDevelopmentPath and
// extensionTestsPath (as vscode-remote:// URIs). VS Code starts the extension host, loads the
// extension under development, requires the suite and calls its `run()`. Everything the extension
// host prints reaches the page's `codeAutomationLog`; when `run()` settles the workbench calls
// `codeAutomationExit(code)`. The in-host runner (test/integration/index.ts) tags its output lines
// with OUTPUT_TAG (so they can be told apart from the workbench's own log) and reports its counts
// both as a JSON file ($LMX_TEST_RESULTS, which the extension host inherits from the server) and as
// a RESULTS_TAG line.
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromiumPath, ensureCodeServer, ensureSystemPackages } from './setup.mjs';

const require = createRequire(import.meta.url);

/** Shared with test/integration/index.ts. */
export const OUTPUT_TAG = '@@lmx@@';
export const RESULTS_TAG = '@@lmx-results@@';
export const START_TAG = '@@lmx-start@@';

/** User settings for the test profile: nothing that slows tests down, prompts, or goes online. */
export const TEST_USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.autofetch': false,
  'git.openRepositoryInParentFolders': 'never',
  'npm.autoDetect': 'off',
  'typescript.disableAutomaticTypeAcquisition': true,
  'typescript.surveys.enabled': false,
  'files.hotExit': 'off',
  'window.confirmBeforeClose': 'never',
  'chat.commandCenter.enabled': false,
};

const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** code-server's command line after its entry script: no auth, telemetry, update checks or trust prompts. */
export function codeServerArgs({ bindAddr, userDataDir, extensionsDir, workspace, locale }) {
  return [
    // the display language (VS Code's --locale); see docs/l10n.md for how it reaches the extension
    ...(locale ? ['--locale', locale] : []),
    '--auth', 'none',
    '--bind-addr', bindAddr,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
}

/**
 * VS Code takes a display language only from an installed language pack: without one it resolves any
 * --locale to English (its server reads <user-data>/languagepacks.json, which the extension service writes
 * for installed packs), and then an extension's package.nls.<language>.json and l10n bundle are not read.
 * Language packs come from the Marketplace, which the tests never reach, so the host registers a stand-in
 * pack that translates none of VS Code's own strings: the workbench stays English, while VS Code's display
 * language, and with it everything LM Explorer shows, is `locale`.
 */
function registerStandInLanguagePack({ locale, userDataDir, runDir }) {
  const translations = path.join(runDir, 'language-pack', `${locale}.i18n.json`);
  fs.mkdirSync(path.dirname(translations), { recursive: true });
  fs.writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const packs = {
    [locale]: {
      hash: `lmx-stand-in-${locale}`,
      extensions: [{ extensionIdentifier: { id: `lmx-tests.language-pack-${locale}` }, version: '1.0.0' }],
      translations: { vscode: translations },
      label: locale,
    },
  };
  fs.writeFileSync(path.join(userDataDir, 'languagepacks.json'), JSON.stringify(packs, null, 2));
}

function stripAnsi(text) {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function waitFor(emitter, event, predicate, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error('timeout'));
    }, timeoutMs);
    const listener = (value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

/**
 * Starts code-server on a free port with a fresh user-data-dir and extensions dir, and a headless
 * Chromium. `env` is added to the server's environment, which its extension hosts inherit.
 * `locale`: the display language ('pl', 'qps-ploc'; default $LMX_TEST_LOCALE, else VS Code's, English).
 * `installExtensions`: .vsix files installed into the fresh extensions dir first, as a user installs them
 * (`code-server --install-extension`); `extensionsDir`: that folder (default: one in the run's folder).
 * Returns { url, authority, workspace, runDir, userDataDir, extensionsDir, resultsPath, browser,
 *           server, events, logFile, log(line), close({ keep }) }.
 */
export async function startVsCodeHost({
  workspace,
  env = {},
  settings = {},
  logFile,
  startTimeoutMs = 60_000,
  codeServer = ensureCodeServer(),
  installExtensions = [],
  extensionsDir,
  locale = process.env.LMX_TEST_LOCALE || undefined,
} = {}) {
  ensureSystemPackages({ build: false });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-vscode-'));
  const userDataDir = path.join(runDir, 'user-data');
  extensionsDir = path.resolve(extensionsDir ?? path.join(runDir, 'extensions'));
  workspace = path.resolve(workspace ?? path.join(runDir, 'workspace'));
  for (const dir of [path.join(userDataDir, 'User'), extensionsDir, workspace]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_USER_SETTINGS, ...settings }, null, 2),
  );
  if (locale && !locale.startsWith('en')) registerStandInLanguagePack({ locale, userDataDir, runDir });
  const configFile = path.join(runDir, 'code-server.yaml');
  fs.writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  logFile = path.resolve(logFile ?? path.join(runDir, 'vscode.log'));
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logStream = fs.createWriteStream(logFile, { flags: 'w' });
  const events = new EventEmitter();
  events.setMaxListeners(50);
  const t0 = Date.now();
  const log = (line) => logStream.write(`${((Date.now() - t0) / 1000).toFixed(2).padStart(7)} ${line}\n`);
  const resultsPath = env.LMX_TEST_RESULTS ?? path.join(runDir, 'results.json');
  const xdgDataHome = path.join(runDir, 'xdg-data');
  for (const vsix of installExtensions) {
    const args = [codeServer.entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', path.resolve(vsix)];
    const r = spawnSync(process.execPath, args, { cwd: runDir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: xdgDataHome } });
    log(`[install] ${path.basename(vsix)}: ${(r.stdout + r.stderr).trim()}`);
    if (r.status !== 0) {
      const output = `${r.error?.message ?? ''}${r.stdout}${r.stderr}`.trim();
      logStream.end();
      throw new Error(`code-server --install-extension ${path.basename(vsix)} failed (exit ${r.status ?? r.signal}): ${output}`);
    }
  }

  const server = spawn(
    process.execPath,
    [codeServer.entry, '--config', configFile, ...codeServerArgs({ bindAddr: '127.0.0.1:0', userDataDir, extensionsDir, workspace, locale })],
    {
      cwd: runDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // code-server keeps a heartbeat file and logs under $XDG_DATA_HOME/code-server: not in ~
        XDG_DATA_HOME: xdgDataHome,
        LMX_TEST_RESULTS: resultsPath,
        ...env,
        LMX_TEST_TAG_OUTPUT: '1',
      },
    },
  );
  const serverLines = (stream, name) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      let eol;
      while ((eol = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 1);
        log(`[server${name}] ${line}`);
        events.emit('server-line', line);
      }
    });
  };
  serverLines(server.stdout, '');
  serverLines(server.stderr, ':stderr');
  let serverExit;
  // never leave a server behind, whatever ends this process
  const killServer = () => serverExit || server.kill('SIGKILL');
  process.on('exit', killServer);
  server.on('exit', (code, signal) => {
    process.off('exit', killServer);
    serverExit = { code, signal };
    log(`[server] exited (${code ?? signal})`);
    events.emit('server-exit', serverExit);
  });

  let browser;
  const close = async ({ keep = false } = {}) => {
    await browser?.close().catch(() => {});
    if (!serverExit) {
      server.kill('SIGTERM');
      const killer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await new Promise((resolve) => (serverExit ? resolve() : server.once('exit', resolve)));
      clearTimeout(killer);
    }
    await new Promise((resolve) => logStream.end(resolve));
    if (!keep) {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          // keep the log when it was asked for outside the run folder
          fs.rmSync(runDir, { recursive: true, force: true });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  };

  try {
    const listening = await Promise.race([
      waitFor(events, 'server-line', (line) => /HTTP server listening on (\S+)/.test(line), startTimeoutMs),
      new Promise((_, reject) => server.once('exit', (code) => reject(new Error(`code-server exited (${code})`)))),
    ]);
    const url = /HTTP server listening on (\S+)/.exec(listening)[1].replace(/\/$/, '');
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: BROWSER_ARGS });
    return {
      url,
      authority: new URL(url).host,
      workspace,
      runDir,
      userDataDir,
      extensionsDir,
      resultsPath,
      logFile,
      browser,
      server,
      events,
      log,
      close,
    };
  } catch (error) {
    const reason = error.message === 'timeout' ? `did not start within ${startTimeoutMs / 1000} s` : error.message;
    await close({ keep: true });
    throw new Error(`VS Code server ${reason}; log: ${logFile}`);
  }
}

function formatArgs(args) {
  return (Array.isArray(args) ? args : [args])
    .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
    .join(' ');
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Runs one suite (a compiled module exporting `run(): Promise<void>`) in the extension host.
 *
 * options
 *   extensionPath   the extension under test (folder with package.json), absolute or relative to cwd
 *   suitePath       compiled suite entry, e.g. out/test/integration/index.js
 *   workspace       folder to open (default: an empty temp folder); ignored when `host` is given
 *   env             extra environment for the extension host (only when the launcher starts the host)
 *   host            a host from startVsCodeHost() to reuse; otherwise one is started and closed here
 *   onPage(page, { host, authority })   called with the Playwright page before the workbench loads
 *                   (keep it to screenshot webviews, e.g. page.screenshot({ path: 'test-results/x.png' }))
 *   onOutput(line, page)   every output line of the extension host (default: print to stdout)
 *   timeoutMs       whole run (default $LMX_TEST_TIMEOUT_MS or 10 min)
 *   hostStartTimeoutMs   until the extension host has started (default $LMX_HOST_START_TIMEOUT_MS or 120 s)
 *   verbose         also print the workbench's own log (default $LMX_TEST_VERBOSE)
 *   logFile         where the full log goes (server, workbench, extension host)
 *   locale          the display language of the host it starts ('pl', 'qps-ploc'; see startVsCodeHost)
 * returns { exitCode, results, hostStarted, error, durationMs, logFile }
 *   results: { passed, failed, pending, failures: [{ title, error }] } as reported by the suite, or
 *   undefined when the suite never reported. exitCode 0 only when the suite's run() resolved.
 */
export async function runVsCodeSuite({
  extensionPath,
  suitePath,
  workspace,
  env = {},
  host,
  onPage,
  onOutput = (line) => process.stdout.write(`${line}\n`),
  timeoutMs = Number(process.env.LMX_TEST_TIMEOUT_MS) || 10 * 60_000,
  hostStartTimeoutMs = Number(process.env.LMX_HOST_START_TIMEOUT_MS) || 120_000,
  verbose = !!process.env.LMX_TEST_VERBOSE,
  logFile,
  locale,
} = {}) {
  const started = Date.now();
  extensionPath = path.resolve(extensionPath);
  suitePath = path.resolve(suitePath);
  if (!fs.existsSync(path.join(extensionPath, 'package.json'))) throw new Error(`no extension at ${extensionPath}`);
  if (!fs.existsSync(suitePath)) throw new Error(`no suite at ${suitePath}`);
  const ownHost = !host;
  if (ownHost) host = await startVsCodeHost({ workspace, env, logFile, ...(locale ? { locale } : {}) });
  else if (Object.keys(env).length) console.warn('[vscode-host] env is ignored for a shared host: pass it to startVsCodeHost');
  const { log, events } = host;
  fs.rmSync(host.resultsPath, { force: true });

  let context;
  let hostStarted = false;
  let results;
  let error;
  let exitCode = 1;
  let extHostPid;
  let onSigint;
  try {
    context = await host.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));

    const handleLine = (level, text) => {
      const tagged = text.startsWith(OUTPUT_TAG);
      if (tagged) text = text.slice(OUTPUT_TAG.length);
      for (const line of text.split('\n')) {
        log(`[${tagged ? 'exthost' : 'workbench'}:${level}] ${line}`);
        if (line.startsWith(START_TAG)) {
          hostStarted = true;
          events.emit('suite-started');
        } else if (line.startsWith(RESULTS_TAG)) {
          try {
            results ??= JSON.parse(line.slice(RESULTS_TAG.length));
          } catch {}
        } else if (tagged) {
          onOutput(line, page);
        } else if (verbose || (level === 'error' && /lm-explorer|activat/i.test(line))) {
          onOutput(`[vscode ${level}] ${stripAnsi(line)}`, page);
        }
      }
    };
    await page.exposeFunction('codeAutomationLog', (level, args) => handleLine(String(level), formatArgs(args)));
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code: Number(code) }));
    page.on('console', (message) => log(`[page:${message.type()}] ${message.text()}`));
    page.on('pageerror', (e) => log(`[page:error] ${e.stack || e.message}`));
    page.on('crash', () => finish({ error: 'the browser page crashed' }));

    const onServerLine = (line) => {
      const launched = /<(\d+)> Launched Extension Host Process/.exec(line);
      if (launched && !extHostPid) {
        extHostPid = launched[1];
        hostStarted = true;
        events.emit('suite-started');
      }
      const exited = /<(\d+)> Extension Host Process exited with code: (\S+?),/.exec(line);
      if (exited && exited[1] === extHostPid) {
        // codeAutomationExit normally comes first; give it a moment before calling this a crash
        setTimeout(() => finish({ error: `the extension host exited (code ${exited[2]}) before the suite finished` }), 5000).unref();
      }
    };
    events.on('server-line', onServerLine);
    const onServerExit = ({ code, signal }) => finish({ error: `code-server exited (${code ?? signal})` });
    events.on('server-exit', onServerExit);
    onSigint = (signal) => finish({ error: `interrupted (${signal})`, interrupted: true });
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);

    await onPage?.(page, { host, authority: host.authority });
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${host.authority}${extensionPath}`],
      ['extensionTestsPath', `vscode-remote://${host.authority}${suitePath}`],
      ['skipWelcome', 'true'],
    ];
    const url = `${host.url}/?folder=${encodeURIComponent(host.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log(`[launcher] opening ${url}`);
    page
      .goto(url, { waitUntil: 'domcontentloaded', timeout: hostStartTimeoutMs + 5000 })
      .catch((e) => finish({ error: `the VS Code workbench did not load: ${e.message.split('\n')[0]}` }));

    const hostStartTimer = setTimeout(() => {
      if (!hostStarted) {
        finish({ error: `the VS Code extension host did not start within ${hostStartTimeoutMs / 1000} s` });
      }
    }, hostStartTimeoutMs);
    const overallTimer = setTimeout(
      () => finish({ error: `the suite did not finish within ${Math.round(timeoutMs / 1000)} s` }),
      timeoutMs,
    );
    const outcome = await finished;
    clearTimeout(hostStartTimer);
    clearTimeout(overallTimer);
    events.off('server-line', onServerLine);
    events.off('server-exit', onServerExit);
    // output forwarded just before the exit may still be in flight
    await new Promise((r) => setTimeout(r, 200));
    if (outcome.error) error = outcome.error;
    else exitCode = outcome.code;
    if (fs.existsSync(host.resultsPath)) {
      try {
        results = JSON.parse(fs.readFileSync(host.resultsPath, 'utf8'));
      } catch {}
    }
    if (!error && exitCode !== 0 && !results) error = `the suite failed to load or run (exit ${exitCode})`;
    if (outcome.interrupted) process.exitCode = 130;
  } catch (e) {
    error = e.message;
  } finally {
    if (onSigint) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
    await context?.close().catch(() => {});
  }
  if (error) {
    exitCode = exitCode || 1;
    const recent = tail(host.logFile, 40);
    console.error(`[vscode-host] ${error}`);
    if (recent) console.error(`[vscode-host] last lines of ${host.logFile}:\n${recent}`);
  }
  const logPath = host.logFile;
  if (ownHost) await host.close({ keep: !!error && logPath.startsWith(host.runDir) });
  return { exitCode, results, hostStarted, error, durationMs: Date.now() - started, logFile: logPath };
}
