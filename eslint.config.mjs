// `npm run lint`: the layering of the code, checked. Four rules, each about how modules depend on each other
// (docs/ARCHITECTURE.md, "Layers and the lint"); test/unit/lint.test.ts shows each one failing on a violation.

import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Folders whose code runs outside the extension host (the engine worker, the CLI, webviews): no `vscode`. */
const WITHOUT_VSCODE = ['src/engine/**', 'src/worker/**', 'src/cli/**', 'src/features/*/core/**', 'src/l10n/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '.package/**', 'native/**'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json'] })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A cycle is an order-of-evaluation bug waiting to happen; `require()` counts, so that a lazy require
      // cannot hide one. Type-only imports are erased at build time and do not count.
      'import-x/no-cycle': ['error', { commonjs: true }],
    },
  },
  {
    files: WITHOUT_VSCODE,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'This code runs outside the extension host (worker, CLI, webview): no vscode import here.' }] },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      // The engine is the bottom layer: the worker, the CLI and the features build on it, never the reverse.
      // Under it only src/l10n: the display language's formatting, which imports nothing of the project.
      'import-x/no-restricted-paths': [
        'error',
        { zones: [{ target: './src/engine', from: './src', except: ['./engine', './l10n'], message: 'The engine imports only the engine (and src/l10n).' }] },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      // A page is bundled for the browser: it takes a feature's vscode-free core, a webview protocol and the
      // shared display formatting, and engine or worker types (erased at build time, so no TensorFlow.js).
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './webview',
              from: './src/**',
              except: ['**/src/features/*/core/**', '**/src/features/*/protocol.ts', '**/src/l10n/**', '**/src/engine/**', '**/src/worker/*/protocol.ts', '**/src/worker/*/*Protocol.ts'],
              message: 'A webview page imports only src/features/*/core/, src/features/*/protocol.ts, src/l10n/ and engine or worker-protocol types.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'A webview page runs in the browser: no vscode import.' }],
          patterns: [
            {
              regex: '(^|/)src/(engine|worker)(/|$)',
              allowTypeImports: true,
              message: 'A webview page takes only types from the engine and the worker protocols (import type): their code needs Node and TensorFlow.js.',
            },
          ],
        },
      ],
    },
  },
);
