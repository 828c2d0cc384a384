// One build for every bundle of LM Explorer.
//   node esbuild.js               development build into dist/
//   node esbuild.js --production  minified, no source maps
//   node esbuild.js --watch       rebuild on change
//   --outdir=DIR                  build into DIR instead of dist/ (npm run package stages each .vsix this way)
//   --without-native              leave the native addon out (the universal .vsix; the engine then uses wasm)
// Type checking is separate: `npm run typecheck` (tsc --noEmit).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withoutNative = process.argv.includes('--without-native');
const root = __dirname;
const outdirArgument = process.argv.find((a) => a.startsWith('--outdir='));
const dist = outdirArgument ? path.resolve(outdirArgument.slice('--outdir='.length)) : path.join(root, 'dist');

/** Node-side bundles: the extension host, the engine worker, the CLI. */
const nodeEntries = {
  extension: 'src/extension.ts',
  worker: 'src/worker/engine/worker.ts',
  tokenWorker: 'src/worker/tokens/worker.ts',
  cli: 'src/cli/main.ts',
};

/** Webview bundles: every webview/<name>/main.ts becomes dist/webview/<name>.js. */
function webviewEntries() {
  const dir = path.join(root, 'webview');
  if (!fs.existsSync(dir)) return {};
  const entries = {};
  for (const name of fs.readdirSync(dir)) {
    const main = path.join(dir, name, 'main.ts');
    if (fs.existsSync(main)) entries[`webview/${name}`] = path.relative(root, main);
  }
  return entries;
}

function existing(entries) {
  return Object.fromEntries(Object.entries(entries).filter(([, file]) => fs.existsSync(path.join(root, file))));
}

/** The wasm backend loads its .wasm binaries from beside the bundle: copy them so nothing is fetched. */
function copyWasmBinaries() {
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  fs.mkdirSync(dist, { recursive: true });
  for (const file of fs.readdirSync(wasmDir)) {
    if (file.endsWith('.wasm')) fs.copyFileSync(path.join(wasmDir, file), path.join(dist, file));
  }
}

/**
 * The native kernels (scripts/build-native.mjs builds them at npm install) load from beside the bundle:
 * copy the addon into dist/, or remove a stale copy when it is not built (the engine then uses wasm).
 */
function copyNativeAddon() {
  const built = path.join(root, 'native', 'build', 'Release', 'lmx_native.node');
  const target = path.join(dist, 'lmx_native.node');
  fs.mkdirSync(dist, { recursive: true });
  if (fs.existsSync(built) && !withoutNative) {
    // a copy under another name, then a rename: a running process that has the old file mapped keeps
    // its inode (copying over it in place kills such a process with SIGBUS)
    const temporary = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(built, temporary);
    fs.renameSync(temporary, target);
  } else fs.rmSync(target, { force: true });
}

/** Prints errors in a form VS Code's problem matcher understands. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

async function main() {
  copyWasmBinaries();
  copyNativeAddon();
  const common = {
    bundle: true,
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
    plugins: watch ? [problemMatcherPlugin] : [],
  };
  const contexts = [
    await esbuild.context({
      ...common,
      entryPoints: existing(nodeEntries),
      outdir: dist,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // vscode is provided by the host; the native TensorFlow and WebGPU bindings are optional
      // packages loaded at run time only where they are installed.
      external: ['vscode', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'webgpu'],
    }),
    await esbuild.context({
      ...common,
      entryPoints: webviewEntries(),
      outdir: dist,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      loader: { '.css': 'text' },
    }),
  ];
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
  } else {
    await Promise.all(contexts.map((ctx) => ctx.rebuild()));
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
