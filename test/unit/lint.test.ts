// The layering lint (eslint.config.mjs), run through ESLint's Node API on a small tree laid out like the
// repository: each rule reports the violation planted for it, and leaves alone what the layering allows.

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ESLint as ESLintClass, Linter } from 'eslint';

const root = path.resolve(__dirname, '..', '..');

/** The fixture tree: path → source. Each violation's file is named for the rule it breaks. */
const FILES: Record<string, string> = {
  // import cycles: a plain one, one hidden by a lazy require, and a type-only one (allowed)
  'src/engine/cycleA.ts': "import { b } from './cycleB';\nexport const a = () => b;\n",
  'src/engine/cycleB.ts': "import { a } from './cycleA';\nexport const b = () => a;\n",
  'src/engine/lazyA.ts': "import { lazy } from './lazyB';\nexport const first = () => lazy();\n",
  // reported at the require(), which closes the cycle
  'src/engine/lazyB.ts': "export function lazy(): unknown {\n  return require('./lazyA');\n}\n",
  'src/engine/typesA.ts': "import type { B } from './typesB';\nexport interface A { b?: B }\nexport const makeA = (): A => ({});\n",
  'src/engine/typesB.ts': "import { makeA, type A } from './typesA';\nexport interface B { a: A }\nexport const makeB = (): B => ({ a: makeA() });\n",

  // vscode outside the extension host
  'src/engine/usesVscode.ts': "import * as vscode from 'vscode';\nexport const w = vscode.window;\n",
  'src/worker/engine/usesVscode.ts': "import type { Uri } from 'vscode';\nexport type U = Uri;\n",
  'src/cli/usesVscode.ts': "import { window } from 'vscode';\nexport const w = window;\n",
  'src/features/demo/core/usesVscode.ts': "import * as vscode from 'vscode';\nexport const w = vscode.window;\n",
  'src/l10n/usesVscode.ts': "import * as vscode from 'vscode';\nexport const t = vscode.l10n.t;\n",
  'src/features/demo/index.ts': "import * as vscode from 'vscode';\nimport { logic } from './core/logic';\nexport const register = () => vscode.commands.registerCommand('x', logic);\n",
  'src/features/demo/core/logic.ts': "import { engineValue } from '../../../engine/value';\nexport const logic = () => engineValue;\n",
  'src/features/demo/protocol.ts': 'export interface ToWebview { type: "show" }\n',
  'src/engine/value.ts': 'export const engineValue = 1;\nexport interface EngineType { n: number }\n',

  // the engine importing upwards
  'src/config.ts': 'export const setting = 1;\n',
  'src/engine/importsUpwards.ts': "import { setting } from '../config';\nexport const s = setting;\n",

  // webview pages
  'webview/page/allowed.ts': [
    "import { logic } from '../../src/features/demo/core/logic';",
    "import type { ToWebview } from '../../src/features/demo/protocol';",
    "import type { EngineType } from '../../src/engine/value';",
    "import { helper } from '../shared';",
    'export const page = (m: ToWebview, e: EngineType) => [logic(), helper, m, e];',
    '',
  ].join('\n'),
  'webview/shared.ts': 'export const helper = 2;\n',
  'webview/page/importsFeatureHost.ts': "import { register } from '../../src/features/demo/index';\nexport const r = register;\n",
  'webview/page/importsConfig.ts': "import { setting } from '../../src/config';\nexport const s = setting;\n",
  'webview/page/importsEngineValue.ts': "import { engineValue } from '../../src/engine/value';\nexport const v = engineValue;\n",
  'webview/page/usesVscode.ts': "import * as vscode from 'vscode';\nexport const w = vscode;\n",
};

describe('lint (eslint.config.mjs)', function () {
  this.timeout(120_000);
  let dir: string;
  const results = new Map<string, Linter.LintMessage[]>();
  const rulesAt = (file: string) => (results.get(file) ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-lint-'));
    for (const [file, text] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const { ESLint } = require('eslint') as { ESLint: typeof ESLintClass };
    // import-x resolves the zones of no-restricted-paths from the process' working folder, as `npm run lint`
    // runs in the repository's root
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const eslint = new ESLint({ cwd: dir, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
      for (const result of await eslint.lintFiles(['src', 'webview'])) {
        results.set(path.relative(dir, result.filePath).split(path.sep).join('/'), result.messages);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lints every file of the tree', () => {
    assert.deepStrictEqual([...results.keys()].sort(), Object.keys(FILES).sort());
    for (const [file, messages] of results) assert.ok(messages.every((m) => !m.fatal), `${file}: ${messages.map((m) => m.message).join('; ')}`);
  });

  it('reports an import cycle, also one closed by a lazy require, but not one of types only', () => {
    assert.deepStrictEqual(rulesAt('src/engine/cycleA.ts'), ['import-x/no-cycle']);
    assert.deepStrictEqual(rulesAt('src/engine/cycleB.ts'), ['import-x/no-cycle']);
    assert.deepStrictEqual(rulesAt('src/engine/lazyB.ts'), ['import-x/no-cycle']);
    assert.deepStrictEqual(rulesAt('src/engine/typesA.ts'), []);
    assert.deepStrictEqual(rulesAt('src/engine/typesB.ts'), []);
  });

  it('reports a vscode import in the engine, the worker, the CLI, a feature core and src/l10n, not in a feature index', () => {
    for (const file of ['src/engine/usesVscode.ts', 'src/worker/engine/usesVscode.ts', 'src/cli/usesVscode.ts', 'src/features/demo/core/usesVscode.ts', 'src/l10n/usesVscode.ts']) {
      assert.deepStrictEqual(rulesAt(file), ['no-restricted-imports'], file);
    }
    assert.deepStrictEqual(rulesAt('src/features/demo/index.ts'), []);
    assert.deepStrictEqual(rulesAt('src/features/demo/core/logic.ts'), []);
  });

  it('reports the engine importing from outside the engine', () => {
    assert.deepStrictEqual(rulesAt('src/engine/importsUpwards.ts'), ['import-x/no-restricted-paths']);
  });

  it("lets a webview page take a feature's core, a protocol, engine types and other webview files, and nothing else", () => {
    assert.deepStrictEqual(rulesAt('webview/page/allowed.ts'), []);
    assert.deepStrictEqual(rulesAt('webview/page/importsFeatureHost.ts'), ['import-x/no-restricted-paths']);
    assert.deepStrictEqual(rulesAt('webview/page/importsConfig.ts'), ['import-x/no-restricted-paths']);
    assert.deepStrictEqual(rulesAt('webview/page/importsEngineValue.ts'), ['@typescript-eslint/no-restricted-imports']);
    assert.deepStrictEqual(rulesAt('webview/page/usesVscode.ts'), ['@typescript-eslint/no-restricted-imports']);
  });
});
