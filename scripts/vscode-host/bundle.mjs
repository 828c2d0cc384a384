// Compiles the integration tests for the extension host: test/integration/index.ts and every
// test/integration/**/*.test.ts become out/test/integration/**/*.js (one CommonJS bundle each;
// `vscode` comes from the host, `mocha` from node_modules).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

function findTests(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.name.endsWith('.test.ts')) found.push(full);
  }
  return found;
}

/**
 * Returns { outDir, suitePath, testFiles }. Throws when esbuild reports errors.
 * `suite`: the folder under test/ whose *.test.ts are bundled (default 'integration'); each runs under
 * test/integration/index.ts, bundled beside them (test/installed: the installed .vsix, scripts/test.mjs).
 */
export async function bundleIntegrationTests({ root = process.cwd(), outDir, suite = 'integration' } = {}) {
  const srcDir = path.join(root, 'test', suite);
  outDir ??= path.join(root, 'out', 'test', suite);
  const esbuild = createRequire(path.join(root, 'package.json'))('esbuild');
  const testFiles = findTests(srcDir).sort();
  fs.rmSync(outDir, { recursive: true, force: true }); // no stale bundles of deleted tests
  await esbuild.build({
    entryPoints: [
      { in: path.join(root, 'test', 'integration', 'index.ts'), out: 'index' },
      ...testFiles.map((file) => ({ in: file, out: path.relative(srcDir, file).replace(/\.ts$/, '') })),
    ],
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'warning',
    external: ['vscode', 'mocha', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'webgpu'],
  });
  return { outDir, suitePath: path.join(outDir, 'index.js'), testFiles };
}
