// Runs inside a real VS Code extension host (see test/integration/index.ts, `npm run test:integration`).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'lm-explorer.lm-explorer';

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the extension host`);
  return ext;
}

describe('activation', () => {
  it('runs in VS Code 1.100 or newer', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major > 1 || (major === 1 && minor >= 100), `VS Code ${vscode.version} is older than 1.100`);
  });

  it(`finds ${EXTENSION_ID} as the extension under development`, () => {
    const ext = extension();
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    assert.strictEqual(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
    assert.ok(fs.existsSync(path.join(ext.extensionPath, manifest.main)), `${manifest.main} is not built`);
  });

  it('activates', async () => {
    const ext = extension();
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });
});
