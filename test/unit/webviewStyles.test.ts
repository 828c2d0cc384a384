// The pages' stylesheets lean on webview/base.css (its variables, the body, [hidden], .muted): a page that
// adopts such a stylesheet with adoptStyleSheet alone would draw without them, and nothing else would fail.
// So every stylesheet a page imports that uses a base variable it does not define itself must be adopted
// through adoptPageStyles, which puts the base first.

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const WEBVIEW = path.join(__dirname, '..', '..', 'webview');
const BASE = fs.readFileSync(path.join(WEBVIEW, 'base.css'), 'utf8');
const BASE_VARIABLES = [...BASE.matchAll(/^\s*(--[\w-]+):/gm)].map((m) => m[1]);

function scripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? scripts(file) : e.name.endsWith('.ts') ? [file] : [];
  });
}

/** The base variables a stylesheet uses without defining them. */
function borrowedVariables(css: string): string[] {
  return BASE_VARIABLES.filter((v) => css.includes(`var(${v})`) && !new RegExp(`^\\s*${v}:`, 'm').test(css));
}

describe('webview stylesheets', () => {
  it('base.css defines the variables the pages share', () => {
    assert.deepStrictEqual(BASE_VARIABLES, ['--gap', '--border', '--muted']);
  });

  it('a stylesheet that uses the base variables is adopted with adoptPageStyles (base.css first)', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const file of scripts(WEBVIEW)) {
      const source = fs.readFileSync(file, 'utf8');
      for (const [, name, from] of source.matchAll(/^import (\w+) from '(\.{1,2}\/[^']+\.css)';$/gm)) {
        const borrowed = borrowedVariables(fs.readFileSync(path.resolve(path.dirname(file), from), 'utf8'));
        if (borrowed.length === 0) continue;
        checked++;
        if (!new RegExp(`adoptPageStyles\\(${name}\\)`).test(source)) {
          wrong.push(`${path.relative(WEBVIEW, file)}: ${from} uses ${borrowed.join(', ')} of base.css: adopt it with adoptPageStyles(${name})`);
        }
      }
    }
    assert.ok(checked >= 3, `the sampling, attention and inspector pages' stylesheets are checked (${checked})`);
    assert.deepStrictEqual(wrong, []);
  });
});
