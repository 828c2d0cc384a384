// Runs inside a real VS Code extension host (see test/integration/index.ts, `npm run test:integration`).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, extension } from './helpers';

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
