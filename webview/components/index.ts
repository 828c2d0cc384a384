// The webviews' own small component layer. Pages build their controls only through these functions,
// never with toolkit tag names or toolkit imports of their own, so that replacing
// @vscode/webview-ui-toolkit (archived upstream) with @vscode-elements/elements changes this folder only.
//
// Today: @vscode/webview-ui-toolkit 1.4 (FAST web components; styles by adoptedStyleSheets, so a strict
// CSP without 'unsafe-inline' works). Not its badge and tag: their templates bind a `style` attribute,
// which that CSP blocks (a console error per element) — badge() and tag() are plain spans styled here.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeRadio,
  vsCodeRadioGroup,
} from '@vscode/webview-ui-toolkit';
import baseCss from '../base.css';

/** The styles of the layer's own elements (badge, tag), with the toolkit's design tokens and theme variables. */
const OWN_STYLES = `
.lmx-badge {
  display: inline-block; box-sizing: border-box; min-width: 18px; padding: 3px 6px; border-radius: 11px;
  font-family: var(--vscode-font-family); font-size: 11px; line-height: 1; text-align: center;
  background: var(--vscode-badge-background); color: var(--vscode-badge-foreground);
}
.lmx-tag {
  display: inline-block; box-sizing: border-box; padding: 3px 6px; border-radius: 2px;
  border: 1px solid var(--vscode-button-border, transparent);
  font-family: var(--vscode-font-family); font-size: 11px; line-height: 16px; text-transform: uppercase;
  background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); white-space: nowrap;
}`;

/**
 * The one way a page loads CSS: a stylesheet bundled as text, adopted as a constructed stylesheet (so the
 * strict CSP needs neither 'unsafe-inline' nor a <link> to a file). A panel page adopts its style.css with
 * adoptPageStyles, which puts webview/base.css first.
 */
export function adoptStyleSheet(css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

let baseAdopted = false;

/**
 * A panel page's styles: webview/base.css (the theme variables, the body, [hidden], .muted: what the pages
 * share), once, then the page's own style.css, whose rules come after the base's and so win over them.
 */
export function adoptPageStyles(css: string): void {
  if (!baseAdopted) {
    baseAdopted = true;
    adoptStyleSheet(baseCss);
  }
  adoptStyleSheet(css);
}

function adoptOwnStyles(): void {
  adoptStyleSheet(OWN_STYLES);
}

let registered = false;

/** Registers the custom elements once per page. */
export function registerComponents(): void {
  if (registered) return;
  registered = true;
  adoptOwnStyles();
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeDivider(),
    vsCodeProgressRing(),
    vsCodeCheckbox(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeRadio(),
    vsCodeRadioGroup(),
  );
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary' | 'icon';
  title?: string;
  onClick: () => void;
  id?: string;
}

/** A button; `setEnabled` toggles it. */
export function button(label: string, options: ButtonOptions): HTMLElement {
  registerComponents();
  const el = document.createElement('vscode-button');
  el.textContent = label;
  el.setAttribute('appearance', options.appearance ?? 'primary');
  if (options.title) el.title = options.title;
  if (options.id) el.id = options.id;
  el.addEventListener('click', () => {
    if (!el.hasAttribute('disabled')) options.onClick();
  });
  return el;
}

export function setEnabled(el: HTMLElement, enabled: boolean): void {
  if (enabled) el.removeAttribute('disabled');
  else el.setAttribute('disabled', '');
}

/** A small count or state badge. */
export function badge(text: string): HTMLElement {
  registerComponents();
  const el = document.createElement('span');
  el.className = 'lmx-badge';
  el.textContent = text;
  return el;
}

/** A label tag (e.g. the model state). */
export function tag(text: string): HTMLElement {
  registerComponents();
  const el = document.createElement('span');
  el.className = 'lmx-tag';
  el.textContent = text;
  return el;
}

export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function divider(): HTMLElement {
  registerComponents();
  const el = document.createElement('vscode-divider');
  el.setAttribute('role', 'separator');
  return el;
}

/** An indeterminate progress ring (shown while something runs). */
/**
 * A progress ring; `label` is what a screen reader says. The toolkit sets its own English "Loading" each time
 * the ring is connected, so the label is put back whenever that happens.
 */
export function progressRing(label: string): HTMLElement {
  registerComponents();
  const ring = document.createElement('vscode-progress-ring');
  const keepLabel = () => {
    if (ring.getAttribute('aria-label') !== label) ring.setAttribute('aria-label', label);
  };
  keepLabel();
  new MutationObserver(keepLabel).observe(ring, { attributes: true, attributeFilter: ['aria-label'] });
  return ring;
}

// ------------------------------------------------------------------------------------------------
// Form controls (attention panel)

export interface Choice {
  value: string;
  label: string;
}

export interface SelectControl {
  element: HTMLElement;
  /** Replaces the choices (keeps the value when it is still offered, else takes the first). */
  setChoices(choices: Choice[]): void;
  value(): string;
  setValue(value: string): void;
}

/** A dropdown with a visible label; `onChange` gets the chosen value. */
export function dropdown(label: string, options: { id?: string; title?: string; choices: Choice[]; onChange: (value: string) => void }): SelectControl {
  registerComponents();
  const wrap = document.createElement('label');
  wrap.className = 'lmx-field';
  const caption = document.createElement('span');
  caption.className = 'lmx-field-label';
  caption.textContent = label;
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (options.id) el.id = options.id;
  if (options.title) wrap.title = options.title;
  el.setAttribute('aria-label', label);
  let current = options.choices[0]?.value ?? '';
  let signature = '';
  // The element takes a value only once it knows the option: new options register a moment after they
  // are added, so the value is applied now, marked on the option, and applied again on the next frame.
  const apply = () => {
    for (const o of Array.from(el.children)) o.toggleAttribute('selected', o.getAttribute('value') === current);
    if (el.value !== current) el.value = current;
  };
  const setChoices = (choices: Choice[]) => {
    const next = JSON.stringify(choices);
    if (next === signature) return;
    signature = next;
    if (!choices.some((c) => c.value === current)) current = choices[0]?.value ?? '';
    el.replaceChildren(
      ...choices.map((c) => {
        const o = document.createElement('vscode-option');
        o.setAttribute('value', c.value);
        if (c.value === current) o.setAttribute('selected', '');
        o.textContent = c.label;
        return o;
      }),
    );
    apply();
    requestAnimationFrame(apply);
  };
  setChoices(options.choices);
  el.addEventListener('change', () => {
    if (el.value === current) return;
    current = el.value;
    options.onChange(current);
  });
  wrap.append(caption, el);
  return {
    element: wrap,
    setChoices,
    value: () => current,
    setValue: (value: string) => {
      if (value === current && el.value === value) return;
      current = value;
      apply();
      requestAnimationFrame(apply);
    },
  };
}

export interface ToggleControl {
  element: HTMLElement;
  checked(): boolean;
  setChecked(checked: boolean): void;
}

/** A checkbox; `onChange` gets the new state. */
export function checkbox(label: string, options: { id?: string; title?: string; checked?: boolean; onChange: (checked: boolean) => void }): ToggleControl {
  registerComponents();
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.textContent = label;
  if (options.id) el.id = options.id;
  if (options.title) el.title = options.title;
  el.checked = !!options.checked;
  let current = !!options.checked;
  el.addEventListener('change', () => {
    if (el.checked === current) return;
    current = el.checked;
    options.onChange(current);
  });
  return {
    element: el,
    checked: () => current,
    setChecked: (checked: boolean) => {
      current = checked;
      if (el.checked !== checked) el.checked = checked;
    },
  };
}

/** A row of radio buttons (one choice of a few); returns the same interface as a dropdown. */
export function radios(label: string, options: { id?: string; choices: Choice[]; value?: string; onChange: (value: string) => void }): SelectControl {
  registerComponents();
  const group = document.createElement('vscode-radio-group') as HTMLElement & { value: string };
  if (options.id) group.id = options.id;
  group.setAttribute('orientation', 'horizontal');
  const caption = document.createElement('label');
  caption.setAttribute('slot', 'label');
  caption.textContent = label;
  let current = options.value ?? options.choices[0]?.value ?? '';
  const setChoices = (choices: Choice[]) => {
    group.replaceChildren(
      caption,
      ...choices.map((c) => {
        const r = document.createElement('vscode-radio') as HTMLElement & { checked: boolean };
        r.setAttribute('value', c.value);
        r.textContent = c.label;
        if (c.value === current) r.setAttribute('checked', '');
        return r;
      }),
    );
  };
  setChoices(options.choices);
  group.addEventListener('change', () => {
    const value = group.value;
    if (!value || value === current) return;
    current = value;
    options.onChange(current);
  });
  return {
    element: group,
    setChoices,
    value: () => current,
    setValue: (value: string) => {
      current = value;
      for (const r of Array.from(group.querySelectorAll('vscode-radio')) as (HTMLElement & { checked: boolean })[]) {
        r.checked = r.getAttribute('value') === value;
      }
    },
  };
}
