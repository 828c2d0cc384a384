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

/** Returns { outDir, suitePath, testFiles }. Throws when esbuild reports errors. */
export async function bundleIntegrationTests({ root = process.cwd(), outDir } = {}) {
  const srcDir = path.join(root, 'test', 'integration');
  outDir ??= path.join(root, 'out', 'test', 'integration');
  const esbuild = createRequire(path.join(root, 'package.json'))('esbuild');
  const testFiles = findTests(srcDir).sort();
  fs.rmSync(outDir, { recursive: true, force: true }); // no stale bundles of deleted tests
  await esbuild.build({
    entryPoints: [path.join(srcDir, 'index.ts'), ...testFiles],
    outbase: srcDir,
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
