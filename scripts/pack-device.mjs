#!/usr/bin/env node
// npm run pack:device
//
// Packs what the GPU measurements of docs/gpu.md need on a machine that has a GPU but no npm registry
// (the `device` tool's NVIDIA machine: CUDA and PyTorch, no Node, no network), into .device/ (ignored
// by git), within the 64 MiB such a machine is sent:
//
//   .device/lmx.tar.gz   lmx/node                 this Node.js binary (linux-x64)
//                        lmx/bench-gpu-run.js     scripts/bench-gpu-run.ts, bundled (engine, TensorFlow.js)
//                        lmx/parity-report.js     scripts/parity-report.ts, bundled
//                        lmx/node_modules/webgpu  Dawn: package.json, index.js, dist/linux-x64/dawn.node
//                        lmx/tinyshakespeare.txt  the benchmark corpus (../shared/corpus)
//   .device/gl/*.deb     Debian's Vulkan loader (libvulkan1), in case the machine has none
//
// Then, there, from the repository root with `.device` carried: bash scripts/device-run.sh

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.device');
const stage = path.join(out, 'lmx');
const LIMIT = 64 * 1024 * 1024;

function fail(message) {
  console.error(`pack:device: ${message}`);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the device machine is linux-x64; this is ${process.platform}-${process.arch}`);
const corpus = path.resolve(root, '..', 'shared', 'corpus', 'tinyshakespeare.txt');
if (!fs.existsSync(corpus)) fail(`corpus not found: ${corpus}`);
const webgpuDir = path.join(root, 'node_modules', 'webgpu');
const dawn = path.join(webgpuDir, 'dist', 'linux-x64', 'dawn.node');
if (!fs.existsSync(dawn)) fail(`Dawn's linux-x64 build is missing (${dawn}): run npm install`);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

console.log('bundling scripts/bench-gpu-run.ts and scripts/parity-report.ts …');
await esbuild.build({
  entryPoints: {
    'bench-gpu-run': path.join(root, 'scripts', 'bench-gpu-run.ts'),
    'parity-report': path.join(root, 'scripts', 'parity-report.ts'),
  },
  outdir: stage,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'webgpu'],
});

fs.copyFileSync(process.execPath, path.join(stage, 'node'));
fs.chmodSync(path.join(stage, 'node'), 0o755);
const stagedWebgpu = path.join(stage, 'node_modules', 'webgpu');
fs.mkdirSync(path.join(stagedWebgpu, 'dist', 'linux-x64'), { recursive: true });
for (const file of ['package.json', 'index.js', 'LICENSE.md']) fs.copyFileSync(path.join(webgpuDir, file), path.join(stagedWebgpu, file));
fs.copyFileSync(dawn, path.join(stagedWebgpu, 'dist', 'linux-x64', 'dawn.node'));
fs.copyFileSync(corpus, path.join(stage, 'tinyshakespeare.txt'));

console.log('compressing …');
execFileSync('tar', ['--use-compress-program=gzip -9', '-cf', 'lmx.tar.gz', 'lmx'], { cwd: out });
fs.rmSync(stage, { recursive: true, force: true });

// The Vulkan loader, as the device tool's README downloads it (amd64, from Debian's archive).
const gl = path.join(out, 'gl');
fs.mkdirSync(gl);
const lists = fs.mkdtempSync('/tmp/lmx-apt-');
fs.mkdirSync(path.join(lists, 'partial'));
const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
const update = spawnSync('apt-get', [...apt, 'update'], { stdio: 'ignore' });
const download = update.status === 0 ? spawnSync('apt-get', [...apt, 'download', 'libvulkan1'], { cwd: gl, stdio: 'ignore' }) : update;
fs.rmSync(lists, { recursive: true, force: true });
if (download.status !== 0) console.warn('  could not download libvulkan1 (apt-get): the device must have its own Vulkan loader');

const sizes = [];
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : sizes.push([path.join(dir, e.name), fs.statSync(path.join(dir, e.name)).size])));
walk(out);
const total = sizes.reduce((sum, [, size]) => sum + size, 0);
for (const [file, size] of sizes) console.log(`  ${path.relative(root, file).padEnd(40)} ${(size / 2 ** 20).toFixed(1).padStart(6)} MiB`);
console.log(`  ${'total'.padEnd(40)} ${(total / 2 ** 20).toFixed(1).padStart(6)} MiB (the device takes 64 MiB with the working tree)`);
if (total > LIMIT) fail('over 64 MiB');
console.log('\nOn the device machine, from the repository root, carrying .device:  bash scripts/device-run.sh');
