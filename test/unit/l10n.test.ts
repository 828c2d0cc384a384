// Localisation: the translation files are complete and current, and plurals, numbers and the CLI's
// language choice behave as Polish needs. The files are checked against what the code uses now:
// l10n/bundle.l10n.json against a fresh `l10n-dev export` of src/ and webview/, package.nls.json against
// package.json's %key% references.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as l10n from '@vscode/l10n';
import { formatFixed, formatList, formatNumber, plural, pluralCategories, setDisplayLanguage, intlLocale, PLURAL_SEPARATOR } from '../../src/l10n/format';
import { bundleFile, findBundleDir, languageFromEnvironment, useLanguage } from '../../src/l10n/node';
import { PAGE_LOCALIZATION_ID, pageLocalizationBlock } from '../../src/l10n/pageLocalization';

const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;
/** The languages the extension ships translations for (besides English, the source). */
const LANGUAGES = ['pl'];

/** Every `%key%` package.json refers to. */
function manifestKeys(): Set<string> {
  const keys = new Set<string>();
  JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'), (_key, value) => {
    if (typeof value === 'string') for (const m of value.matchAll(/^%([^%\s]+)%$/g)) keys.add(m[1]);
    return value;
  });
  return keys;
}

function messageOf(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { message?: string })?.message ?? '');
}

/** What must survive translation: {0}/{name} placeholders, command links, setting references, code spans. */
function invariants(text: string): string[] {
  const found = [
    ...text.matchAll(/\{[^}\s]+\}/g),
    ...text.matchAll(/\(command:[^)]+\)/g),
    ...text.matchAll(/#[\w.]+#/g),
    ...text.matchAll(/\$\([\w-]+\)/g),
  ].map((m) => m[0]);
  return [...new Set(found)].sort();
}

function compareTranslations(source: Record<string, unknown>, translation: Record<string, unknown>, file: string): void {
  const missing = Object.keys(source).filter((key) => !(key in translation));
  const unused = Object.keys(translation).filter((key) => !(key in source));
  assert.deepStrictEqual(missing, [], `${file} lacks translations of: ${missing.join(' | ')}`);
  assert.deepStrictEqual(unused, [], `${file} has translations nothing uses any more: ${unused.join(' | ')}`);
  for (const [key, value] of Object.entries(source)) {
    const english = messageOf(value);
    const translated = messageOf(translation[key]);
    assert.ok(translated.trim() !== '', `${file}: the translation of "${key}" is empty`);
    assert.deepStrictEqual(invariants(translated), invariants(english), `${file}: "${key}" must keep its placeholders, links and setting references`);
  }
}

describe('localisation', () => {
  afterEach(() => {
    setDisplayLanguage('en');
    l10n.config({ contents: {} });
  });

  describe('package.nls', () => {
    it('package.json has no literal text left: each is a %key% of package.nls.json', () => {
      const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'l10n-nls.mjs'), '--check'], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr || r.stdout);
    });

    it('package.nls.json has exactly the keys package.json refers to', () => {
      const nls = readJson('package.nls.json');
      const used = manifestKeys();
      const undefinedKeys = [...used].filter((key) => !(key in nls));
      const unusedKeys = Object.keys(nls).filter((key) => !used.has(key));
      assert.deepStrictEqual(undefinedKeys, [], `package.json refers to keys package.nls.json lacks: ${undefinedKeys.join(', ')}`);
      assert.deepStrictEqual(unusedKeys, [], `package.nls.json has keys package.json does not use: ${unusedKeys.join(', ')}`);
    });

    for (const language of LANGUAGES) {
      it(`package.nls.${language}.json translates every key of package.nls.json, keeping links and references`, () => {
        compareTranslations(readJson('package.nls.json'), readJson(`package.nls.${language}.json`), `package.nls.${language}.json`);
      });
    }
  });

  describe('l10n bundles', () => {
    it('l10n/bundle.l10n.json is what `l10n-dev export` extracts from src/ and webview/ now (npm run l10n:export)', () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-l10n-'));
      try {
        const cli = path.join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
        const r = spawnSync(process.execPath, [cli, 'export', '--outDir', out, path.join(root, 'src'), path.join(root, 'webview')], { encoding: 'utf8' });
        assert.strictEqual(r.status, 0, r.stderr || r.stdout);
        const exported = path.join(out, 'bundle.l10n.json');
        const fresh = fs.existsSync(exported) ? JSON.parse(fs.readFileSync(exported, 'utf8')) : {};
        const committed = readJson(path.join('l10n', 'bundle.l10n.json'));
        const notInBundle = Object.keys(fresh).filter((key) => !(key in committed));
        const noLongerUsed = Object.keys(committed).filter((key) => !(key in fresh));
        assert.deepStrictEqual(notInBundle, [], `strings of the code missing from l10n/bundle.l10n.json (npm run l10n:export): ${notInBundle.join(' | ')}`);
        assert.deepStrictEqual(noLongerUsed, [], `strings of l10n/bundle.l10n.json the code no longer uses (npm run l10n:export): ${noLongerUsed.join(' | ')}`);
        assert.deepStrictEqual(committed, fresh, 'l10n/bundle.l10n.json differs from the export (comments?): npm run l10n:export');
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });

    for (const language of LANGUAGES) {
      it(`l10n/bundle.l10n.${language}.json translates every string of the bundle, with the language's plural forms`, () => {
        const source = readJson(path.join('l10n', 'bundle.l10n.json'));
        const translation = readJson(path.join('l10n', `bundle.l10n.${language}.json`));
        compareTranslations(source, translation, `bundle.l10n.${language}.json`);
        const forms = pluralCategories(intlLocale(language)).length;
        for (const [key, value] of Object.entries(source)) {
          const english = messageOf(value);
          if (!english.includes(PLURAL_SEPARATOR)) continue;
          assert.strictEqual(english.split(PLURAL_SEPARATOR).length, 2, `"${key}": an English plural message has two forms (one|other)`);
          const translated = messageOf(translation[key]);
          assert.strictEqual(translated.split(PLURAL_SEPARATOR).length, forms, `bundle.l10n.${language}.json: "${key}" needs ${forms} forms (${pluralCategories(intlLocale(language)).join('|')}), has "${translated}"`);
        }
      });
    }
  });

  describe('plural forms and numbers', () => {
    const tokens = (n: number) => plural(n, l10n.t('{0} token|{0} tokens', formatNumber(n)));

    it('Polish picks one, few, many and other with Intl.PluralRules', () => {
      l10n.config({ contents: { '{0} token|{0} tokens': '{0} token|{0} tokeny|{0} tokenów|{0} tokenu' } });
      setDisplayLanguage('pl');
      assert.deepStrictEqual(pluralCategories(), ['one', 'few', 'many', 'other']);
      assert.deepStrictEqual([1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 112].map(tokens), [
        '1 token', '2 tokeny', '4 tokeny', '5 tokenów', '11 tokenów', '12 tokenów', '21 tokenów', '22 tokeny', '25 tokenów', '101 tokenów', '112 tokenów',
      ]);
      assert.strictEqual(plural(1.5, l10n.t('{0} token|{0} tokens', formatNumber(1.5))), '1,5 tokenu');
    });

    it('English picks one and other; an untranslated message in a Polish UI is read as English', () => {
      assert.deepStrictEqual([0, 1, 2, 5].map(tokens), ['0 tokens', '1 token', '2 tokens', '5 tokens']);
      setDisplayLanguage('pl');
      assert.deepStrictEqual([1, 2, 5].map(tokens), ['1 token', '2 tokens', '5 tokens']);
    });

    it('numbers and lists follow the display language', () => {
      setDisplayLanguage('pl');
      assert.strictEqual(formatNumber(12345.5), '12\u00a0345,5');
      assert.strictEqual(formatFixed(0.25, 3), '0,250');
      assert.strictEqual(formatList(['a', 'b', 'c']), 'a, b i c');
      setDisplayLanguage('en');
      assert.strictEqual(formatNumber(12345.5), '12,345.5');
      assert.strictEqual(formatList(['a', 'b', 'c']), 'a, b, and c');
    });

    it('language ids of VS Code and POSIX map to Intl locales, unknown ones to English', () => {
      assert.strictEqual(intlLocale('pl'), 'pl');
      assert.strictEqual(intlLocale('pl_PL.UTF-8'), 'pl-PL');
      assert.strictEqual(intlLocale('zh-cn'), 'zh-CN');
      assert.strictEqual(intlLocale('C'), 'en');
      assert.strictEqual(intlLocale(undefined), 'en');
    });
  });

  describe('CLI language', () => {
    it('follows LC_ALL, then LC_MESSAGES, then LANG; C and POSIX mean English', () => {
      assert.strictEqual(languageFromEnvironment({ LC_ALL: 'pl_PL.UTF-8', LANG: 'en_US.UTF-8' }), 'pl-pl');
      assert.strictEqual(languageFromEnvironment({ LC_MESSAGES: 'de_DE', LANG: 'pl_PL.UTF-8' }), 'de-de');
      assert.strictEqual(languageFromEnvironment({ LC_ALL: '', LANG: 'pl_PL.UTF-8' }), 'pl-pl');
      assert.strictEqual(languageFromEnvironment({ LANG: 'C.UTF-8' }), undefined);
      assert.strictEqual(languageFromEnvironment({}), undefined);
    });

    it('reads the Polish bundle of the repository for pl and pl-pl, and English for a language without one', () => {
      const dir = findBundleDir(__dirname);
      assert.strictEqual(dir, path.join(root, 'l10n'));
      assert.strictEqual(bundleFile('pl-pl', dir!), path.join(root, 'l10n', 'bundle.l10n.pl.json'));
      assert.strictEqual(useLanguage('pl-pl', dir), 'pl');
      assert.strictEqual(formatNumber(0.5), '0,5');
      assert.strictEqual(useLanguage('xx', dir), 'en');
      assert.strictEqual(formatNumber(0.5), '0.5');
    });
  });

  describe('lmx in Polish', () => {
    const lmx = (args: string[], env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', ...env },
      });

    it('speaks Polish with --lang pl, with the plural the count needs', () => {
      const r = lmx(['tokenize', '--lang', 'pl', 'Zażółć gęślą jaźń'], {});
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /^11 tokenów, 17 znaków \(o200k_base\)$/m);
      const one = lmx(['tokenize', '--lang=pl', 'a'], {});
      assert.match(one.stdout, /^1 token, 1 znak \(o200k_base\)$/m);
    });

    it('follows LANG, and LC_ALL over it; errors are Polish too', () => {
      const help = lmx(['--help'], { LANG: 'pl_PL.UTF-8' });
      assert.match(help.stdout, /^Użycie: lmx <polecenie> \[opcje\]$/m);
      const english = lmx(['--help'], { LANG: 'pl_PL.UTF-8', LC_ALL: 'en_US.UTF-8' });
      assert.match(english.stdout, /^Usage: lmx <command> \[options\]$/m);
      const bad = lmx(['tokenize', 'a', '--bogus'], { LANG: 'pl_PL.UTF-8' });
      assert.strictEqual(bad.status, 2);
      assert.strictEqual(bad.stderr.trim(), 'lmx tokenize: nieznana opcja „--bogus” (zobacz lmx tokenize --help).');
    });
  });

  it('a page gets its language in a data block no translation can break out of', () => {
    const block = pageLocalizationBlock({ language: 'pl', bundle: { a: '</script><b>' } });
    assert.ok(block.startsWith(`<script type="application/json" id="${PAGE_LOCALIZATION_ID}">`));
    assert.ok(!block.slice(1).includes('</script><b>'));
    assert.deepStrictEqual(JSON.parse(block.replace(/^<script[^>]*>|<\/script>$/g, '')), { language: 'pl', bundle: { a: '</script><b>' } });
  });
});
