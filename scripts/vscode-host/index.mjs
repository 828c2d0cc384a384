// The VS Code test host, for `npm test` and for any later suite.
//
//   import { runVsCodeSuite, startVsCodeHost, ensureCodeServer, bundleIntegrationTests } from './scripts/vscode-host/index.mjs';
//
// CLI:
//   node scripts/vscode-host/index.mjs setup                       build the cached code-server (once)
//   node scripts/vscode-host/index.mjs run [--suite out/test/integration/index.js] [--extension .] [--workspace DIR]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { CODE_SERVER_VERSION, codeServerCacheDir, chromiumPath, ensureCodeServer, ensureSystemPackages } from './setup.mjs';
export { codeServerArgs, runVsCodeSuite, startVsCodeHost, TEST_USER_SETTINGS, OUTPUT_TAG, RESULTS_TAG, START_TAG } from './launch.mjs';
export { bundleIntegrationTests } from './bundle.mjs';

async function cli(argv) {
  const { ensureCodeServer } = await import('./setup.mjs');
  const { runVsCodeSuite } = await import('./launch.mjs');
  const option = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? fallback : argv[i + 1];
  };
  if (argv[0] === 'setup') {
    const cs = ensureCodeServer();
    console.log(`code-server ${cs.version} at ${cs.pkg}${cs.cached ? ' (cached)' : ''}`);
    return 0;
  }
  if (argv[0] === 'run') {
    const r = await runVsCodeSuite({
      extensionPath: option('extension', '.'),
      suitePath: option('suite', 'out/test/integration/index.js'),
      workspace: option('workspace'),
    });
    console.log(JSON.stringify({ exitCode: r.exitCode, error: r.error, results: r.results, durationMs: r.durationMs }));
    return r.exitCode || (r.error ? 1 : 0);
  }
  console.error('usage: node scripts/vscode-host/index.mjs setup | run [--suite FILE] [--extension DIR] [--workspace DIR]');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
