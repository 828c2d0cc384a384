// The samples card: every few steps the model continues a fixed prompt; newest first, the prompt in bold and
// a run copied word for word from the notes highlighted and flagged. An encoder writes no samples: the card
// is hidden for one that has none.

import { copiedRange } from '../../src/features/training/core/trainingInsights';
import type { SampleView } from '../../src/features/training/protocol';
import { tag } from '../components/index';
import { card, el } from './dom';
import type { PageData } from './pageState';
import { strings } from './strings';

export class SamplesCard {
  readonly card = card(strings.cards.samples, 'samples-card');

  constructor(private readonly data: PageData) {
    this.card.section.classList.add('samples');
  }

  /** Hidden for an encoder without samples (the model's kind may become known after the samples are drawn). */
  renderVisibility(): void {
    this.card.section.hidden = this.data.isEncoder() && this.data.state.samples.length === 0;
  }

  render(): void {
    const { samples } = this.data.state;
    this.renderVisibility();
    const body = this.card.body;
    body.replaceChildren();
    if (samples.length === 0) {
      body.append(el('p', 'muted', strings.samples.empty));
      return;
    }
    const list = el('ol', 'sample-list');
    for (const s of [...samples].reverse()) {
      const item = el('li', 'sample');
      const side = el('div', 'sample-step', strings.samples.step(s.step));
      item.append(side);
      item.append(sampleText(s));
      if (s.copied) {
        item.classList.add('copied');
        const flag = tag(strings.samples.copied);
        flag.classList.add('copied-flag');
        flag.title = strings.samples.copiedTitle(s.copied.tokens);
        side.append(el('br'), flag);
      }
      list.append(item);
    }
    body.append(list);
  }

  copiedCount(): number {
    return this.card.body.querySelectorAll('.sample.copied').length;
  }
}

/** The prompt (bold) and the continuation, with the run copied from the notes highlighted. */
function sampleText(s: SampleView): HTMLElement {
  const text = el('div', 'sample-text');
  // the model's own text: no word of it is a text of the interface
  text.setAttribute('translate', 'no');
  const full = s.prompt + s.text;
  const copied = s.copied ? copiedRange(full, s.copied.text) : undefined;
  // Cut the text where the prompt ends and where the copied run starts and ends.
  const cuts = [...new Set([0, s.prompt.length, copied?.start ?? 0, copied?.end ?? 0, full.length])].sort((a, b) => a - b);
  for (let i = 0; i < cuts.length - 1; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    if (a === b) continue;
    let node: Node = document.createTextNode(full.slice(a, b));
    if (a < s.prompt.length) {
      const strong = el('strong', 'sample-prompt');
      strong.append(node);
      node = strong;
    }
    if (copied && a >= copied.start && b <= copied.end) {
      const mark = el('mark', 'copied-text');
      mark.append(node);
      node = mark;
    }
    text.append(node);
  }
  if (s.copied && !copied) text.append(el('div', 'muted', strings.samples.copiedText(s.copied.text)));
  return text;
}
