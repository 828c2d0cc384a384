// The dashboard's small DOM helpers: an element with a class and a text, a titled card, a two-column table.

export function el<K extends keyof HTMLElementTagNameMap>(tagName: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tagName);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface Card {
  section: HTMLElement;
  title: HTMLHeadingElement;
  body: HTMLElement;
}

export function card(title: string, id: string): Card {
  const section = el('section', 'card');
  section.id = id;
  const heading = el('h2', undefined, title);
  const body = el('div', 'card-body');
  section.append(heading, body);
  return { section, title: heading, body };
}

export function table(rows: [string, string][]): HTMLTableElement {
  const t = el('table', 'kv');
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, k), el('td', undefined, v));
    t.append(tr);
  }
  return t;
}
