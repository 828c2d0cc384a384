// One-time, cached setup of a VS Code server (code-server) that can run LM Explorer's integration
// tests offline, plus the Debian packages it needs. Node built-ins only.
//
//   ensureSystemPackages({ build })   apt-get install what is missing (chromium; build tools when building;
//                                     the list is scripts/system-requirements.cjs, which npm test installs first)
//   ensureCodeServer()                install + build code-server into the cache (once), return its paths
//
// The cache lives outside the repository:
//   $LMX_CODE_SERVER_DIR, else ${XDG_CACHE_HOME:-~/.cache}/lm-explorer/code-server-<version>
// It is built in a sibling temp folder, checked (every native module must load), stamped and only then
// renamed into place, so an interrupted setup leaves nothing that looks complete and is simply redone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const requirements = createRequire(import.meta.url)('../system-requirements.cjs');
const { onPath } = requirements;
export const { chromiumPath } = requirements;

export const CODE_SERVER_VERSION = process.env.LMX_CODE_SERVER_VERSION || '4.100.3';
const STAMP = '.lmx-setup-complete.json';

/** Native modules of VS Code's server that must load for the server and its extension host to work. */
const NATIVE_MODULES = [
  'lib/vscode/node_modules/node-pty',
  'lib/vscode/node_modules/@parcel/watcher',
  'lib/vscode/node_modules/@vscode/spdlog',
  'lib/vscode/node_modules/kerberos',
  'lib/vscode/node_modules/native-watchdog',
];

export function codeServerCacheDir() {
  if (process.env.LMX_CODE_SERVER_DIR) return path.resolve(process.env.LMX_CODE_SERVER_DIR);
  return path.join(requirements.cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

const say = (msg) => console.log(`[vscode-host] ${msg}`);

/** Prints and runs a command; throws with the command line when it fails. */
function run(command, args, options = {}) {
  const where = options.cwd ? `  (in ${options.cwd})` : '';
  console.log(`$ ${[command, ...args].join(' ')}${where}`);
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (r.error) throw new Error(`${command} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${[command, ...args].join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/**
 * Installs the Debian packages the VS Code host needs when they are missing: chromium always;
 * ripgrep, libkrb5-dev, build-essential, python3 when the code-server cache has to be built.
 * Uses apt-get as root; otherwise throws, naming each package, what it is for and the command.
 */
export function ensureSystemPackages({ build = false } = {}) {
  if (process.env.LMX_CHROMIUM && !fs.existsSync(process.env.LMX_CHROMIUM)) {
    throw new Error(`LMX_CHROMIUM=${process.env.LMX_CHROMIUM} does not exist`);
  }
  const names = build ? ['chromium', 'ripgrep', 'build-essential', 'python3', 'libkrb5-dev'] : ['chromium'];
  const context = build ? 'Building the VS Code test host' : 'The VS Code test host';
  requirements.ensureSystemPackages(names, context, { say });
}

function readStamp(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

function expectedStamp() {
  return {
    codeServer: CODE_SERVER_VERSION,
    nodeAbi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  };
}

function stampMatches(stamp) {
  if (!stamp) return false;
  const want = expectedStamp();
  return Object.keys(want).every((key) => stamp[key] === want[key]);
}

function codeServerPaths(dir) {
  const pkg = path.join(dir, 'node_modules', 'code-server');
  return { dir, pkg, entry: path.join(pkg, 'out', 'node', 'entry.js'), vscode: path.join(pkg, 'lib', 'vscode') };
}

/** The environment for every npm call of the setup. */
function npmEnv() {
  const env = {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    // prebuild-install / node-pre-gyp would try GitHub for prebuilt binaries first: build locally.
    npm_config_build_from_source: 'true',
  };
  // npm >= 11.x warns about (and with strict-allow-scripts refuses) dependency install scripts not
  // listed in an `allowScripts` policy. These are VS Code's own native modules, in a folder of ours.
  const probe = spawnSync('npm', ['config', 'get', 'dangerously-allow-all-scripts'], { encoding: 'utf8', env });
  if (probe.status === 0 && /^(true|false)$/.test(probe.stdout.trim())) {
    env.npm_config_dangerously_allow_all_scripts = 'true';
  }
  // node-gyp needs Node's headers; offline it cannot download them. Use the ones installed with node.
  const configured = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8', env }).stdout?.trim();
  if (!configured || configured === 'undefined' || configured === 'null') {
    const prefix = path.dirname(path.dirname(process.execPath));
    if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_version.h'))) env.npm_config_nodedir = prefix;
  }
  return env;
}

/** Every native module the server needs must load in this Node; returns the failures. */
function checkNativeModules(pkg) {
  const targets = [...NATIVE_MODULES.map((m) => path.join(pkg, m)), 'argon2'];
  const script = `
    const failures = [];
    for (const m of ${JSON.stringify(targets)}) {
      try { require(require.resolve(m, { paths: [${JSON.stringify(pkg)}] })); }
      catch (e) { failures.push(m + ': ' + String(e && e.message).split('\\n')[0]); }
    }
    process.stdout.write(JSON.stringify(failures));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: pkg });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return [`native module check failed to run: ${r.stderr}`];
  }
}

/** Removes temp build folders left by interrupted setups whose process is gone. */
function removeStaleTempDirs(dir) {
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) return;
  const prefix = `${path.basename(dir)}.tmp-`;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (!alive) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function buildCodeServer(target) {
  const env = npmEnv();
  const { pkg, vscode } = codeServerPaths(target);
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(
    path.join(target, 'package.json'),
    JSON.stringify({ name: 'lmx-code-server-cache', private: true, description: 'LM Explorer test host' }, null, 2),
  );
  // 1. code-server itself, without its postinstall (which runs npm install in lib/vscode with scripts on)
  run('npm', ['install', '--ignore-scripts', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: target,
    env,
  });
  // 2. VS Code's server dependencies and the built-in extensions' dependencies, scripts off for now
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscode, env });
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: path.join(vscode, 'extensions'), env });
  // 3. ripgrep: its postinstall downloads from GitHub unless bin/ exists -> use Debian's rg
  const rgBin = path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  const rg = onPath('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed');
  console.log(`$ cp ${rg} ${path.join(rgBin, 'rg')}`);
  fs.copyFileSync(rg, path.join(rgBin, 'rg'));
  fs.chmodSync(path.join(rgBin, 'rg'), 0o755);
  // 4. build the native modules (node-pty, @parcel/watcher, spdlog, kerberos, ...) and argon2
  run('npm', ['rebuild'], { cwd: vscode, env });
  run('npm', ['rebuild'], { cwd: path.join(vscode, 'extensions'), env });
  run('npm', ['rebuild', 'argon2'], { cwd: target, env });
  // 5. what code-server's postinstall.sh links
  const link = (to, at) => {
    console.log(`$ ln -sfn ${to} ${at}`);
    fs.rmSync(at, { recursive: true, force: true });
    fs.symlinkSync(to, at);
  };
  link('node_modules', path.join(vscode, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', path.join(vscode, 'bin', 'helpers', 'browser.sh'));
  // 6. check
  const failures = checkNativeModules(pkg);
  if (failures.length) throw new Error(`native modules did not build or load:\n  ${failures.join('\n  ')}`);
  fs.writeFileSync(path.join(target, STAMP), JSON.stringify({ ...expectedStamp(), builtAt: new Date().toISOString() }, null, 2));
}

/**
 * Returns the cached code-server, building it first when the cache is missing, incomplete, or was
 * built for another Node ABI. { dir, pkg, entry, vscode, version, cached, setupMs }
 */
export function ensureCodeServer() {
  const dir = codeServerCacheDir();
  const paths = codeServerPaths(dir);
  if (stampMatches(readStamp(dir)) && fs.existsSync(paths.entry)) {
    return { ...paths, version: CODE_SERVER_VERSION, cached: true, setupMs: 0 };
  }
  const started = Date.now();
  if (process.versions.node.split('.')[0] !== '20') {
    say(`warning: code-server ${CODE_SERVER_VERSION} is built for Node 20; this is Node ${process.versions.node}`);
  }
  ensureSystemPackages({ build: true });
  say(`setting up code-server ${CODE_SERVER_VERSION} in ${dir} (once; later runs reuse it)`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleTempDirs(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    buildCodeServer(tmp);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const setupMs = Date.now() - started;
  say(`code-server ready in ${(setupMs / 1000).toFixed(1)} s`);
  return { ...paths, version: CODE_SERVER_VERSION, cached: false, setupMs };
}
