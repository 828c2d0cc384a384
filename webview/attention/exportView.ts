// What Save as PNG and Save as HTML take from the page: the file name of the view, and the theme's colours.

import { exportBaseName } from '../../src/features/attention/core/panelText';
import type { AttentionViewState } from '../../src/features/attention/protocol';

export function pngName(view: AttentionViewState): string {
  return `${exportBaseName(view)}.png`;
}

export /** The theme's colours as CSS variables, so the exported page looks like this one. */
function themeSnapshot(): { themeVars: Record<string, string>; themeKind: string } {
  const themeVars: Record<string, string> = {};
  const collect = (style: CSSStyleDeclaration) => {
    for (let i = 0; i < style.length; i++) {
      const name = style.item(i);
      if (name.startsWith('--vscode-')) themeVars[name] = style.getPropertyValue(name).trim();
    }
  };
  collect(document.documentElement.style);
  if (Object.keys(themeVars).length === 0) {
    // outside VS Code (an exported page exported again): the variables are in a style sheet
    const computed = getComputedStyle(document.documentElement);
    for (const name of ['--vscode-editor-background', '--vscode-editor-foreground', '--vscode-foreground', '--vscode-charts-blue', '--vscode-charts-orange', '--vscode-font-family', '--vscode-editor-font-family']) {
      const v = computed.getPropertyValue(name).trim();
      if (v) themeVars[name] = v;
    }
  }
  const themeKind = document.body.dataset.vscodeThemeKind ?? (document.body.classList.contains('vscode-light') ? 'vscode-light' : 'vscode-dark');
  return { themeVars, themeKind };
}
