// What `npm test` needs from the machine besides node_modules, defined once: the Debian packages of every
// phase (the unit tests, building the C++ kernels, the VS Code test host) and the Python packages of the
// safetensors interop tests. scripts/test.mjs installs all of it before the first test runs;
// scripts/vscode-host/setup.mjs and the tests that need a package read the same list, so that where it
// could not be installed each of them fails naming the package and the command that installs it.
//
// Node built-ins only: it runs before `npm ci`. CommonJS, so that the TypeScript tests can require it.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** The folder of LM Explorer's caches: $XDG_CACHE_HOME/lm-explorer, else ~/.cache/lm-explorer. */
function cacheRoot() {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'lm-explorer');
}

/** The browser of the VS Code test host and of the webview checks (override: LMX_CHROMIUM). */
function chromiumPath() {
  return process.env.LMX_CHROMIUM || '/usr/bin/chromium';
}

/** SwiftShader's Vulkan driver, as Debian's chromium package ships it (override: LMX_SWIFTSHADER_ICD). */
function swiftshaderIcd() {
  return process.env.LMX_SWIFTSHADER_ICD || '/usr/lib/chromium/vk_swiftshader_icd.json';
}

function onPath(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

function debInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'installed';
}

function hasVulkanLoader() {
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status === 0 && /libvulkan\.so\.1\b/.test(r.stdout)) return true;
  }
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'];
  return dirs.some((dir) => fs.existsSync(path.join(dir, 'libvulkan.so.1')));
}

/**
 * The Debian packages, with why each is needed and how to tell that it is there (the test looks for what
 * is used, so a machine that has it some other way, e.g. python3 from pyenv, is fine).
 */
const SYSTEM_PACKAGES = [
  {
    name: 'chromium',
    why: 'the headless browser of the VS Code test host and the webview checks; its SwiftShader Vulkan driver runs WebGPU in the backend-parity tests',
    present: () => fs.existsSync(chromiumPath()) && fs.existsSync(swiftshaderIcd()),
  },
  {
    name: 'libvulkan1',
    why: 'the Vulkan loader through which WebGPU (Dawn) reaches SwiftShader in the backend-parity tests',
    present: hasVulkanLoader,
  },
  {
    name: 'build-essential',
    why: 'g++ and make: the C++ kernels in native/ and the VS Code server’s native modules are built from source',
    present: () => !!onPath('make') && !!onPath('g++'),
  },
  {
    name: 'python3',
    why: 'node-gyp (native builds) and the safetensors interop tests',
    present: () => !!onPath('python3'),
  },
  {
    name: 'python3-venv',
    why: 'a private Python environment for the interop tests’ packages (Debian’s own Python refuses pip installs)',
    present: () => spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0,
  },
  {
    name: 'ripgrep',
    why: 'VS Code’s search, copied into the VS Code server (its npm package would download it)',
    present: () => !!onPath('rg'),
  },
  {
    name: 'libkrb5-dev',
    why: 'the headers of the kerberos module the VS Code server builds',
    present: () => !!onPath('krb5-config') || debInstalled('libkrb5-dev'),
  },
];

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The command that installs `names` (with sudo when this is not root). */
function aptCommand(names) {
  return `${isRoot() ? '' : 'sudo '}apt-get install -y ${names.join(' ')}`;
}

/** The entries of SYSTEM_PACKAGES among `names` (default: all) that are not there. */
function missingSystemPackages(names = SYSTEM_PACKAGES.map((p) => p.name)) {
  return SYSTEM_PACKAGES.filter((p) => names.includes(p.name) && !p.present());
}

/** Why apt-get cannot be used here, or undefined when it can. */
function whyCannotInstall() {
  if (process.platform !== 'linux' || !onPath('apt-get')) return 'this is not a Debian-like system (no apt-get)';
  if (!isRoot()) return 'this is not root';
  return undefined;
}

/** What to say when `missing` cannot be used: the packages, what they are for, and the command. */
function missingMessage(missing, context) {
  const names = missing.map((p) => p.name);
  const lines = missing.map((p) => `  ${p.name}: ${p.why}`);
  return `${context} needs the Debian package${names.length > 1 ? 's' : ''} ${names.join(', ')}, which ${names.length > 1 ? 'are' : 'is'} not installed:\n${lines.join('\n')}\nInstall: ${aptCommand(names)}`;
}

/**
 * Installs the missing packages among `names` with apt-get (quietly; the output goes to `logFile`).
 * Returns { installed, missing, reason }: `missing` is what is still not there, `reason` why.
 */
function installSystemPackages(names, { logFile, say = console.log } = {}) {
  const missing = missingSystemPackages(names);
  if (missing.length === 0) return { installed: [], missing: [] };
  const reason = whyCannotInstall();
  if (reason) return { installed: [], missing, reason };
  for (const p of missing) say(`installing ${p.name}: ${p.why}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const log = [];
  const step = (args) => {
    say(`$ apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    log.push(`$ apt-get ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    return r.status === 0;
  };
  const ok = step(['update', '-qq']) && step(['install', '-y', '-qq', ...missing.map((p) => p.name)]);
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, log.join('\n'));
  }
  const still = missingSystemPackages(names);
  const installed = missing.filter((p) => !still.includes(p));
  if (!ok || still.length) {
    const tail = log.join('\n').trim().split('\n').slice(-8).join('\n');
    return { installed, missing: still, reason: `apt-get failed (no network or no such package?):\n${tail}` };
  }
  return { installed, missing: [] };
}

/** Throws, naming the packages and the command, unless `names` are all there (or could be installed). */
function ensureSystemPackages(names, context, options = {}) {
  const { missing, reason } = installSystemPackages(names, options);
  if (missing.length) throw new Error(`${missingMessage(missing, context)}\n(not installed automatically: ${reason})`);
}

// ---------------------------------------------------------------------------------------------------
// Python: the interop tests check our safetensors files against Python's safetensors (with numpy), and the
// Hugging Face export and import against transformers itself (torch, tokenizers; accelerate for its
// Trainer). They run in a virtual environment of our own, so neither Debian's Python nor the user's is
// changed. pip takes torch's CPU wheel where the package index offers it (a local mirror, or
// PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu); the public index alone gives the larger CUDA one.

const PYTHON_PACKAGES = [
  { name: 'safetensors', why: 'the interop tests: Python’s safetensors reads the files the engine writes, and writes files the engine reads' },
  { name: 'numpy', why: 'the tensors those files hold on the Python side' },
  { name: 'torch', why: 'the Hugging Face interop tests: transformers runs the exported and the imported models' },
  { name: 'transformers', why: 'the Hugging Face interop tests: GPT2LMHeadModel loads the exported folders and makes the GPT-2 folders the import reads' },
  { name: 'tokenizers', why: 'the Hugging Face interop tests: the exported tokenizer files and the tokenizer.json files made for import' },
  { name: 'accelerate', why: 'the Hugging Face interop tests: transformers’ Trainer, which train_hf.py runs, needs it' },
];
const PYTHON_IMPORT_CHECK = 'import safetensors, safetensors.numpy, numpy, torch, transformers, tokenizers, accelerate';

/** The interop tests' Python environment: $LMX_PYTHON_DIR, else <cache>/python. */
function pythonEnvDir() {
  return process.env.LMX_PYTHON_DIR ? path.resolve(process.env.LMX_PYTHON_DIR) : path.join(cacheRoot(), 'python');
}

function venvPython(dir = pythonEnvDir()) {
  return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

/** The Python the interop tests run: the environment's when it is set up, else python3. */
function testPython() {
  return fs.existsSync(venvPython()) ? venvPython() : 'python3';
}

/** Interpreters that imported every package once in this process (importing torch takes seconds). */
const pythonsThatWork = new Set();

/** Why `python` cannot run the interop tests, or undefined. */
function pythonProblem(python = testPython()) {
  if (pythonsThatWork.has(python)) return undefined;
  const probe = spawnSync(python, ['-c', PYTHON_IMPORT_CHECK], { encoding: 'utf8' });
  if (probe.error) return `${python} does not run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} cannot import ${PYTHON_PACKAGES.map((p) => p.name).join(', ')} (${(probe.stderr || '').trim().split('\n').pop()})`;
  pythonsThatWork.add(python);
  return undefined;
}

/** The commands that set the environment up by hand. */
function pythonInstallCommand() {
  const dir = pythonEnvDir();
  return `python3 -m venv ${dir} && ${venvPython(dir)} -m pip install ${PYTHON_PACKAGES.map((p) => p.name).join(' ')}`;
}

/**
 * The account's own pip settings when HOME points elsewhere (a test run with a fresh HOME): pip reads its
 * configuration from $HOME, and that is where the package index (a mirror, a wheel folder) is set, so
 * without it pip would look for the public index, which may not be reachable. An explicit PIP_CONFIG_FILE wins.
 */
function accountPipConfig(say) {
  if (process.env.PIP_CONFIG_FILE) return {};
  let accountHome;
  try {
    accountHome = os.userInfo().homedir;
  } catch {
    return {};
  }
  if (!accountHome || path.resolve(accountHome) === path.resolve(os.homedir())) return {};
  for (const file of [path.join(accountHome, '.config', 'pip', 'pip.conf'), path.join(accountHome, '.pip', 'pip.conf')]) {
    if (fs.existsSync(file)) {
      say(`HOME is ${os.homedir()}: pip reads the account's settings from ${file}`);
      return { PIP_CONFIG_FILE: file };
    }
  }
  return {};
}

/**
 * Creates the environment (python3 -m venv) and pip-installs the packages into it when they are not
 * importable there. Returns { python, installed: [names] }; throws with what to run when it cannot.
 */
function ensurePythonPackages({ say = console.log } = {}) {
  const dir = pythonEnvDir();
  const python = venvPython(dir);
  if (fs.existsSync(python) && !pythonProblem(python)) return { python, installed: [] };
  const fail = (what, r) => {
    const output = `${r?.stdout ?? ''}${r?.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
    throw new Error(`${what}${output ? `:\n${output}` : ''}\nInstall by hand: ${pythonInstallCommand()}`);
  };
  if (!fs.existsSync(python) || spawnSync(python, ['-c', 'pass']).status !== 0) {
    say(`creating the interop tests' Python environment in ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const r = spawnSync('python3', ['-m', 'venv', dir], { encoding: 'utf8' });
    if (r.error || r.status !== 0) fail(`python3 -m venv ${dir} failed (Debian: apt-get install -y python3-venv)`, r);
  }
  for (const p of PYTHON_PACKAGES) say(`installing ${p.name} (pip, into ${dir}): ${p.why}`);
  const r = spawnSync(
    python,
    // --retries 0: where one configured index is unreachable (the public one, beside a local mirror), pip's
    // default 5 retries with back-off for every package took minutes (6 min 50 s against 24 s here); it now
    // fails over to the other indexes at once. --no-compile: torch's thousands of .py files are compiled
    // when first imported instead.
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--retries', '0', '--no-compile', '--only-binary=:all:', ...PYTHON_PACKAGES.map((p) => p.name)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...accountPipConfig(say) } },
  );
  if (r.error || r.status !== 0) fail('pip install failed (no network, or no package index?)', r);
  const problem = pythonProblem(python);
  if (problem) fail(problem);
  const versions = spawnSync(python, ['-c', `import sys, ${PYTHON_PACKAGES.map((p) => p.name).join(', ')}; print(sys.version.split()[0], ${PYTHON_PACKAGES.map((p) => `${p.name}.__version__`).join(', ')})`], {
    encoding: 'utf8',
  }).stdout.trim().split(' ');
  say(`python ${versions[0]}: ${PYTHON_PACKAGES.map((p, i) => `${p.name} ${versions[i + 1]}`).join(', ')}`);
  return { python, installed: PYTHON_PACKAGES.map((p) => p.name) };
}

module.exports = {
  SYSTEM_PACKAGES,
  PYTHON_PACKAGES,
  cacheRoot,
  chromiumPath,
  swiftshaderIcd,
  hasVulkanLoader,
  onPath,
  aptCommand,
  missingSystemPackages,
  missingMessage,
  whyCannotInstall,
  installSystemPackages,
  ensureSystemPackages,
  pythonEnvDir,
  testPython,
  pythonProblem,
  pythonInstallCommand,
  ensurePythonPackages,
};
