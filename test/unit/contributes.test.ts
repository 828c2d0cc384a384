// package.json's `contributes` against the code: the commands the features' tables register, the settings
// with their defaults (DEFAULTS) and their lists of values. A command or setting declared on one side only,
// a default or an enum that differs, or a menu, key binding or walkthrough naming an unknown command fails.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, SECTION, SETTING_VALUES, type SettingKey } from '../../src/config/settings';

interface Contributes {
  commands: { command: string }[];
  menus: Record<string, { command: string }[]>;
  keybindings: { command: string }[];
  walkthroughs: { steps: { description: string; completionEvents?: string[] }[] }[];
  configuration: { properties: Record<string, { default?: unknown; enum?: unknown[] }> };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: Contributes };
const contributes = manifest.contributes;
const ours = (id: string) => id.startsWith(`${SECTION}.`);

const features = path.join(__dirname, '..', '..', 'src', 'features');

/**
 * Every command the extension registers, with its full id: each feature's core/commandNames.ts lists its
 * commands, and the type of its index.ts's command table is made from that list (so the two cannot differ).
 */
const registered: string[] = fs
  .readdirSync(features)
  .filter((name) => fs.existsSync(path.join(features, name, 'core', 'commandNames.ts')))
  .flatMap((name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lists = Object.values(require(path.join(features, name, 'core', 'commandNames.ts')) as Record<string, readonly string[]>);
    return lists.flat();
  })
  .map((name) => `${SECTION}.${name}`);

/** Every setting of DEFAULTS, as `lmExplorer.<area>.<key>` → its default. */
function defaultsByKey(): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [area, settings] of Object.entries(DEFAULTS)) {
    for (const [key, value] of Object.entries(settings as Record<string, unknown>)) flat.set(`${SECTION}.${area}.${key}`, value);
  }
  return flat;
}

describe('package.json contributes', () => {
  it('declares exactly the commands the feature tables register, each once', () => {
    assert.ok(registered.includes(`${SECTION}.showTokenIds`), 'the features\' command lists were found');
    const declared = contributes.commands.map((c) => c.command);
    assert.equal(new Set(declared).size, declared.length, 'a command is declared twice');
    assert.equal(new Set(registered).size, registered.length, 'two features register the same command');
    assert.deepEqual([...declared].sort(), [...registered].sort());
  });

  it('names only registered commands in menus, key bindings and the walkthrough', () => {
    const known = new Set(registered);
    const named: string[] = [
      ...Object.values(contributes.menus).flatMap((items) => items.map((item) => item.command)),
      ...contributes.keybindings.map((k) => k.command),
      ...contributes.walkthroughs.flatMap((w) =>
        w.steps.flatMap((step) => [
          ...(step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)),
          ...[...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]),
        ]),
      ),
    ];
    assert.ok(named.length > 0);
    assert.deepEqual(named.filter((id) => ours(id) && !known.has(id)), []);
  });

  it('declares exactly the settings of DEFAULTS, with the same defaults', () => {
    const properties = contributes.configuration.properties;
    const defaults = defaultsByKey();
    assert.deepEqual(Object.keys(properties).sort(), [...defaults.keys()].sort());
    for (const [key, value] of defaults) {
      // JSON has no undefined: a setting without a value in DEFAULTS is `null` in package.json
      assert.deepEqual(properties[key].default, value ?? null, `${key}'s default`);
    }
  });

  it('offers the same values as the code for every setting with a list of them', () => {
    const properties = contributes.configuration.properties;
    const withEnum = Object.keys(properties).filter((key) => properties[key].enum !== undefined);
    const withValues = Object.keys(SETTING_VALUES).map((key) => `${SECTION}.${key}`);
    assert.deepEqual(withEnum.sort(), withValues.sort());
    for (const [key, values] of Object.entries(SETTING_VALUES)) {
      assert.deepEqual(properties[`${SECTION}.${key}`].enum, values, `${key}'s values`);
    }
  });
});

// SettingKey is the type every reader and writer of settings uses; DEFAULTS covers all of them.
const everyKey: SettingKey[] = [...defaultsByKey().keys()].map((key) => key.slice(SECTION.length + 1) as SettingKey);
void everyKey;
