// Runs inside a real VS Code extension host. The display language is the one the host was started with
// (LMX_TEST_LOCALE, `--locale` of code-server; English by default): the suite checks that the extension's
// contributions, its host strings and its pages follow it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activate, extension } from './helpers';

const requested = process.env.LMX_TEST_LOCALE || 'en';

describe('localisation', () => {
  it(`runs in the display language the host was started with (${requested})`, async () => {
    await activate();
    console.log(`env.language=${vscode.env.language} bundle=${JSON.stringify(vscode.l10n.bundle)} uri=${vscode.l10n.uri} title=${(extension().packageJSON as any).contributes.commands[0].title}`);
    assert.strictEqual(vscode.env.language, requested);
  });

  it('shows the commands, settings and walkthrough in that language (package.nls)', () => {
    const ext = extension();
    const nlsFile = path.join(ext.extensionPath, requested === 'en' ? 'package.nls.json' : `package.nls.${requested}.json`);
    const nls = JSON.parse(fs.readFileSync(nlsFile, 'utf8')) as Record<string, string>;
    // VS Code gives a localised command title as { value, original }
    const commands = (ext.packageJSON as { contributes: { commands: { command: string; title: string | { value: string } }[] } }).contributes.commands;
    const title = commands.find((c) => c.command === 'lmExplorer.showTokenIds')?.title;
    assert.strictEqual(typeof title === 'string' ? title : title?.value, nls['command.showTokenIds.title']);
  });
});
