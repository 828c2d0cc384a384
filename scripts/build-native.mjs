#!/usr/bin/env node
// Builds the native kernels (native/ → native/build/Release/lmx_native.node) with node-gyp, offline:
// the Node headers come from npm's nodedir setting, else from the headers installed beside this node
// (<prefix>/include/node), and only then from node-gyp's own cache or download.
//
// Runs as the package's `install` script (npm install / npm ci), where a failure must not fail the
// install: the engine then falls back to wasm and `lmx backends` says why. `--strict` (npm run
// build:native) exits non-zero on failure instead. LMX_SKIP_NATIVE=1 skips the build.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const addonDir = path.join(root, 'native');

function fail(message) {
  console.error(`lmx native kernels: ${message}`);
  console.error('lmx native kernels: not built; the engine will use the wasm backend instead (npm run build:native retries).');
  process.exit(strict ? 1 : 0);
}

if (process.env.LMX_SKIP_NATIVE === '1' && !strict) {
  console.log('lmx native kernels: skipped (LMX_SKIP_NATIVE=1)');
  process.exit(0);
}
if (!fs.existsSync(path.join(addonDir, 'binding.gyp'))) fail(`${addonDir}/binding.gyp is missing`);

/** node-gyp's entry point: the copy inside the running npm, else one on PATH (npm puts its own there). */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((f) => f && fs.existsSync(f));
  return found ? [process.execPath, found] : ['node-gyp'];
}

/** A folder with include/node/node_api.h for this node, so node-gyp needs no download. */
function nodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && fs.existsSync(path.join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

const [command, ...pre] = nodeGyp();
const dir = nodeDir();
const args = [...pre, 'rebuild', '--release', ...(dir ? [`--nodedir=${dir}`] : [])];
console.log(`lmx native kernels: ${path.basename(command)} ${args.map((a) => path.basename(a)).join(' ')} (in native/)`);
const started = Date.now();
const result = spawnSync(command, args, { cwd: addonDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.error) fail(`could not run node-gyp: ${result.error.message}`);
if (result.status !== 0) {
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n');
  console.error(output.filter((l) => !/^gyp info/.test(l)).slice(-25).join('\n'));
  fail(`node-gyp exited with ${result.status}`);
}
const built = path.join(addonDir, 'build', 'Release', 'lmx_native.node');
if (!fs.existsSync(built)) fail(`node-gyp succeeded but ${built} is missing`);
// The bundles load it from beside themselves (esbuild.js copies it on every build): refresh an existing dist/.
const dist = path.join(root, 'dist');
if (fs.existsSync(dist)) {
  // copy, then rename over: a process that has the old file mapped keeps its inode (no SIGBUS)
  const temporary = path.join(dist, `lmx_native.node.${process.pid}.tmp`);
  fs.copyFileSync(built, temporary);
  fs.renameSync(temporary, path.join(dist, 'lmx_native.node'));
}
console.log(`lmx native kernels: built ${path.relative(root, built)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
