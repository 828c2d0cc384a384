// `npm run package`: the .vsix files a user installs (`code --install-extension FILE.vsix`).
//
//   lm-explorer-<platform>-<version>.vsix   for the platform the native addon is built for here (linux-x64 on
//                                           this project's machines): the production bundles, the wasm
//                                           binaries, the C++ kernels (lmx_native.node) and Dawn's binary for
//                                           that platform (the webgpu package, only its own platform folder)
//   lm-explorer-<version>.vsix              universal: the bundles and the wasm binaries, no native code; the
//                                           engine runs on WebAssembly and its backend report says why
//
// Each package is staged in .package/<name>/ (a production build with `node esbuild.js --production
// --outdir=…`, the manifest, README, CHANGELOG, LICENSE and media/), so that the development build in dist/
// is left as it is, and packed there by @vscode/vsce with the repository's .vscodeignore. Everything runs
// from the bundles, so no node_modules are packed besides Dawn's (under dist/node_modules, where the
// bundles' require('webgpu') finds it). Prints each package's files (vsce's tree) and size.
//
//   node scripts/package.mjs [--out DIR] [--only universal|<platform>]
// The .vsix files go to the repository root unless --out says otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const addonFile = path.join(root, 'native', 'build', 'Release', 'lmx_native.node');
/** The platforms vsce knows that have a Dawn build in the webgpu package (its dist/<platform> folders). */
const VSCE_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
/** What every package carries besides dist/ (README images are in media/). */
const PACKAGED_FILES = [
  'package.json',
  // the manifest's texts in each language; the pseudo-locale files of the localisation check are not shipped
  ...fs.readdirSync(root).filter((file) => /^package\.nls(\.[\w-]+)?\.json$/.test(file) && !file.includes('qps-ploc')),
  'l10n',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'media',
];

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function run(command, args, options = {}) {
  // no stdin: a question from vsce fails the build instead of waiting for an answer
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${[path.basename(command), ...args].join(' ')} failed (exit ${r.status})`);
  return r;
}

/** The package this machine can build besides the universal one: its own platform, when the addon is built. */
export function platformTarget() {
  const target = `${process.platform}-${process.arch}`;
  if (!VSCE_TARGETS.includes(target)) return { reason: `vsce has no target for ${target}` };
  if (!fs.existsSync(addonFile)) return { reason: `the native addon is not built (${path.relative(root, addonFile)}; npm run build:native)` };
  return { target };
}

export function vsixName(target) {
  return target ? `${manifest.name}-${target}-${manifest.version}.vsix` : `${manifest.name}-${manifest.version}.vsix`;
}

/** Dawn for one platform: the webgpu package's manifest, entry, licence and that platform's binary. */
function stageDawn(stage, target) {
  const source = path.join(root, 'node_modules', 'webgpu');
  const dawn = path.join(source, 'dist', target === 'darwin-x64' || target === 'darwin-arm64' ? 'darwin-universal' : target);
  if (!fs.existsSync(dawn)) return `the webgpu package has no Dawn build for ${target} (${path.relative(root, dawn)})`;
  const destination = path.join(stage, 'dist', 'node_modules', 'webgpu');
  for (const file of ['package.json', 'index.js', 'LICENSE.md']) {
    fs.mkdirSync(destination, { recursive: true });
    fs.copyFileSync(path.join(source, file), path.join(destination, file));
  }
  fs.cpSync(dawn, path.join(destination, 'dist', path.basename(dawn)), { recursive: true });
  return undefined;
}

function vsce(args, cwd) {
  return run(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), ...args], { cwd });
}

/** Stages and packs one .vsix; returns its path. target undefined: the universal package. */
export function buildPackage({ target, outDir = root }) {
  const name = target ?? 'universal';
  const stage = path.join(root, '.package', name);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  console.log(`\n── ${vsixName(target)} ──`);
  run(process.execPath, [path.join(root, 'esbuild.js'), '--production', `--outdir=${path.join(stage, 'dist')}`, ...(target ? [] : ['--without-native'])], { cwd: root });
  for (const file of PACKAGED_FILES) fs.cpSync(path.join(root, file), path.join(stage, file), { recursive: true });
  if (target) {
    const problem = stageDawn(stage, target);
    if (problem) console.log(`no WebGPU in this package: ${problem}`);
  }
  const common = ['--no-dependencies', '--ignoreFile', path.join(root, '.vscodeignore')];
  const out = path.join(path.resolve(outDir), vsixName(target));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // README links stay relative: its images are files of the package, not links to a web site
  vsce(['package', ...common, '--no-rewrite-relative-links', '--allow-missing-repository', ...(target ? ['--target', target] : []), '--out', out], stage);
  console.log(`size: ${(fs.statSync(out).size / 2 ** 20).toFixed(2)} MiB (${fs.statSync(out).size} bytes): ${out}`);
  return out;
}

async function main() {
  const outDir = option('out') ?? root;
  const only = option('only');
  const platform = platformTarget();
  const targets = [];
  if (platform.target) targets.push(platform.target);
  else console.log(`no platform package: ${platform.reason}`);
  targets.push(undefined);
  const wanted = only ? targets.filter((t) => (t ?? 'universal') === only) : targets;
  if (!wanted.length) throw new Error(`--only ${only}: this machine builds ${targets.map((t) => t ?? 'universal').join(' and ')}`);
  const built = wanted.map((target) => buildPackage({ target, outDir }));
  console.log('\npackages:');
  for (const file of built) console.log(`  ${path.basename(file).padEnd(40)} ${(fs.statSync(file).size / 2 ** 20).toFixed(2).padStart(7)} MiB`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`package: ${error.message}`);
    process.exit(1);
  });
}
