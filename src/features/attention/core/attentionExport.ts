// The attention panel's exports: "Save as PNG" (the page's canvas as a data URL, written by the host)
// and "Save as HTML" (one self-contained page: the data, the viewer bundle and the theme's colours
// inlined; no network, opens in any browser). The host writes them atomically. No `vscode` import: the
// unit tests build and check the pages in plain Node.

import * as l10n from '@vscode/l10n';
import { pageLocalizationBlock, type PageLocalization } from '../../../l10n/pageLocalization';
import type { AttentionPayload, AttentionViewState } from '../protocol';
import { float32ToBase64, toFloat32 } from './attentionMaps';

/** The bytes of a `data:image/png;base64,…` URL; throws when it is not one. */
export function decodePngDataUrl(dataUrl: string): Uint8Array {
  const m = /^data:image\/png;base64,([A-Za-z0-9+/=\s]*)$/.exec(dataUrl);
  if (!m) throw new Error('The page did not send a PNG image.');
  const bytes = Buffer.from(m[1], 'base64');
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) throw new Error('The image the page sent is not a PNG file.');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface HtmlExportInput {
  /** The viewer: the built page bundle (dist/webview/attention.js). */
  script: string;
  data: AttentionPayload;
  view: AttentionViewState;
  /** The theme's CSS variables as the page had them (--vscode-*), so the export looks the same. */
  themeVars: Record<string, string>;
  /** vscode-dark, vscode-light, vscode-high-contrast… (the body class). */
  themeKind: string;
  title?: string;
  /** The display language the page speaks, and its strings (English when absent). */
  localization?: PageLocalization;
}

/** Colours for a page exported without any theme variables: VS Code's Dark Modern / Light Modern. */
const FALLBACK_VARS: Record<'dark' | 'light', Record<string, string>> = {
  dark: {
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-widget-border': '#313131',
    '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-focusBorder': '#0078d4',
  },
  light: {
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-focusBorder': '#005fb8',
  },
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside <script type="application/json">: no "</script", no "<!--". */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A script that is safe inside <script>…</script>: "</script" and "<!--" cannot end or confuse the element. */
export function scriptSafeCode(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A CSS custom property declaration list from a record, dropping anything that could leave the rule. */
function cssVariables(vars: Record<string, string>): string {
  return Object.entries(vars)
    .filter(([name, value]) => /^--[\w-]+$/.test(name) && typeof value === 'string' && !/[<>{};]/.test(value))
    .map(([name, value]) => `  ${name}: ${value};`)
    .join('\n');
}

/** The self-contained page of "Save as HTML". */
export function buildAttentionHtml(input: HtmlExportInput): string {
  const { data, view } = input;
  const kind = /light/.test(input.themeKind) ? 'light' : 'dark';
  const vars = { ...FALLBACK_VARS[kind], ...input.themeVars };
  const bodyClass = /^[\w-]+$/.test(input.themeKind) ? input.themeKind : `vscode-${kind}`;
  const exported = {
    data: { ...data, weights: float32ToBase64(toFloat32(data.weights)) },
    view,
  };
  const title = input.title ?? l10n.t('Attention — {0}', data.sourceLabel);
  const localization = input.localization ?? { language: 'en', bundle: {} };
  const csp = ["default-src 'none'", "script-src 'unsafe-inline'", "style-src 'unsafe-inline'", 'img-src data:', 'font-src data:'].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(localization.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="LM Explorer">
<title>${escapeHtml(title)}</title>
<style>
:root {
${cssVariables(vars)}
}
</style>
</head>
<body class="${bodyClass}" data-vscode-theme-kind="${bodyClass}">
<main id="app" aria-live="polite"></main>
${pageLocalizationBlock(localization)}
<script id="lmx-attention-data" type="application/json">${scriptSafeJson(exported)}</script>
<script>${scriptSafeCode(input.script.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'))}</script>
</body>
</html>
`;
}

/** Reads the data back from an exported page (the unit tests check the round trip). */
export function readExportedData(html: string): { data: Omit<AttentionPayload, 'weights'> & { weights: string }; view: AttentionViewState } {
  const m = /<script id="lmx-attention-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('No attention data in this page.');
  return JSON.parse(m[1]);
}
