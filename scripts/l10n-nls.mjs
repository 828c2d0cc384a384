// `npm run l10n:nls`: moves every literal text of package.json's contributions into package.nls.json and
// puts a `%key%` in its place, so that package.nls.pl.json (and VS Code's display language) can translate it.
// Keys are derived from where the text sits (command id, setting name, walkthrough step), so running it again
// after someone added a command with a literal title only adds the new keys. Prints the keys it added; their
// Polish translations go into package.nls.pl.json by hand (test/unit/l10n.test.ts fails until they are there).
//
//   node scripts/l10n-nls.mjs          convert package.json and update package.nls.json
//   node scripts/l10n-nls.mjs --check  exit 1 when package.json still has a literal text (changes nothing)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifestFile = path.join(root, 'package.json');
const nlsFile = path.join(root, 'package.nls.json');
const check = process.argv.includes('--check');

const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const nls = fs.existsSync(nlsFile) ? JSON.parse(fs.readFileSync(nlsFile, 'utf8')) : {};
const added = [];

/** The id without the extension's prefix: `lmExplorer.tokens.encoding` -> `tokens.encoding`. */
const short = (id) => id.replace(/^lmExplorer\./, '');

/** Replaces `holder[field]` (a literal string) with `%key%`, keeping the text under `key` in package.nls.json. */
function move(holder, field, key) {
  const value = holder?.[field];
  if (typeof value !== 'string' || /^%[^%\s]+%$/.test(value)) return;
  if (nls[key] !== undefined && nls[key] !== value) throw new Error(`package.nls.json already has ${key} with another text`);
  nls[key] = value;
  holder[field] = `%${key}%`;
  added.push(key);
}

function moveList(holder, field, keyOf) {
  const list = holder?.[field];
  if (!Array.isArray(list)) return;
  list.forEach((_, i) => move(list, i, keyOf(i)));
}

move(manifest, 'displayName', 'displayName');
move(manifest, 'description', 'description');
for (const [name, capability] of Object.entries(manifest.capabilities ?? {})) {
  if (capability && typeof capability === 'object') move(capability, 'description', `capabilities.${name}.description`);
}
const contributes = manifest.contributes ?? {};
for (const command of contributes.commands ?? []) {
  move(command, 'title', `command.${short(command.command)}.title`);
  move(command, 'shortTitle', `command.${short(command.command)}.shortTitle`);
  move(command, 'category', 'category');
}
for (const walkthrough of contributes.walkthroughs ?? []) {
  const base = `walkthrough.${walkthrough.id}`;
  move(walkthrough, 'title', `${base}.title`);
  move(walkthrough, 'description', `${base}.description`);
  for (const step of walkthrough.steps ?? []) {
    move(step, 'title', `${base}.${step.id}.title`);
    move(step, 'description', `${base}.${step.id}.description`);
    move(step.media, 'altText', `${base}.${step.id}.altText`);
  }
}
const configurations = Array.isArray(contributes.configuration) ? contributes.configuration : [contributes.configuration].filter(Boolean);
configurations.forEach((configuration, index) => {
  move(configuration, 'title', index === 0 ? 'configuration.title' : `configuration.${index}.title`);
  for (const [name, property] of Object.entries(configuration.properties ?? {})) {
    const base = `config.${short(name)}`;
    for (const field of ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage']) {
      move(property, field, `${base}.${field}`);
    }
    const values = property.enum ?? [];
    for (const field of ['enumDescriptions', 'markdownEnumDescriptions']) {
      moveList(property, field, (i) => `${base}.${field}.${values[i] ?? i}`);
    }
  }
});
for (const views of Object.values(contributes.views ?? {})) {
  for (const view of views) {
    move(view, 'name', `view.${short(view.id)}.name`);
    move(view, 'contextualTitle', `view.${short(view.id)}.contextualTitle`);
  }
}
for (const containers of Object.values(contributes.viewsContainers ?? {})) {
  for (const container of containers) move(container, 'title', `viewsContainer.${short(container.id)}.title`);
}
for (const welcome of contributes.viewsWelcome ?? []) {
  move(welcome, 'contents', `viewsWelcome.${short(welcome.view)}.contents`);
}
for (const submenu of contributes.submenus ?? []) move(submenu, 'label', `submenu.${short(submenu.id)}.label`);
for (const color of contributes.colors ?? []) move(color, 'description', `color.${short(color.id)}.description`);
for (const editor of contributes.customEditors ?? []) move(editor, 'displayName', `customEditor.${short(editor.viewType)}.displayName`);

if (check) {
  if (added.length) {
    console.error(`package.json has ${added.length} literal text(s) not in package.nls.json: ${added.join(', ')} (npm run l10n:nls)`);
    process.exitCode = 1;
  } else console.log('every text of package.json is a %key% of package.nls.json');
} else {
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(nlsFile, `${JSON.stringify(nls, null, 2)}\n`);
  console.log(added.length ? `moved ${added.length} text(s) into package.nls.json:\n  ${added.join('\n  ')}` : 'nothing to move');
}
