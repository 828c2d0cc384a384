// Lets mocha (and `node -r`) load TypeScript directly: each .ts file is transpiled on require with
// esbuild, one file at a time, so a unit test never waits for a whole-project compile.
// Type checking stays with `npm run typecheck`.
const esbuild = require('esbuild');
const fs = require('fs');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled?.(true);
