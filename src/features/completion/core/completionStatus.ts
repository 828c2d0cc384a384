// Why there is no suggestion, or how the last one went: the status bar item's text and tooltip.

export type NoSuggestionReason =
  | 'disabled'
  | 'language'
  | 'no-model'
  | 'multi-cursor'
  | 'too-large'
  | 'suggest-widget'
  | 'mid-word'
  | 'empty'
  | 'cancelled'
  | 'error';

export const REASON_TEXT: Record<NoSuggestionReason, string> = {
  disabled: 'inline completions are turned off',
  language: 'not enabled for this language',
  'no-model': 'no model yet',
  'multi-cursor': 'multiple cursors',
  'too-large': 'the document is larger than lmExplorer.training.maxFileBytes',
  'suggest-widget': 'the suggest widget is open',
  'mid-word': 'in the middle of a word the model does not continue',
  empty: 'the model ends the line here',
  cancelled: 'superseded by newer typing',
  error: 'the engine failed',
};

export type CompletionStatus =
  | { kind: 'off' }
  | { kind: 'language'; languageId: string }
  | { kind: 'no-model' }
  | { kind: 'loading' }
  | { kind: 'ready'; step?: number; training?: boolean }
  | { kind: 'suggested'; ms: number; tokens: number; tokensPerSecond: number; step?: number; training?: boolean }
  | { kind: 'nothing'; reason: NoSuggestionReason; step?: number; training?: boolean }
  | { kind: 'error'; message: string };

function rate(tokensPerSecond: number): string {
  return `${Math.round(tokensPerSecond).toLocaleString('en-US')} tok/s`;
}

/** The status bar text for a state (with a codicon). */
export function completionStatusText(status: CompletionStatus): string {
  switch (status.kind) {
    case 'off':
      return '$(circle-slash) LM complete: off';
    case 'language':
      return `$(circle-slash) LM complete: off for ${status.languageId}`;
    case 'no-model':
      return '$(circle-outline) LM complete: no model';
    case 'loading':
      return '$(sync~spin) LM complete: loading model';
    case 'ready':
      return '$(sparkle) LM complete';
    case 'suggested':
      return `$(sparkle) LM ${Math.round(status.ms)} ms · ${rate(status.tokensPerSecond)}`;
    case 'nothing':
      return status.reason === 'cancelled' ? '$(sparkle) LM complete' : `$(sparkle) LM: no suggestion (${shortReason(status.reason)})`;
    case 'error':
      return '$(error) LM complete: error';
  }
}

function shortReason(reason: NoSuggestionReason): string {
  switch (reason) {
    case 'multi-cursor':
      return 'multiple cursors';
    case 'too-large':
      return 'document too large';
    case 'mid-word':
      return 'mid-word';
    case 'empty':
      return 'end of line';
    case 'suggest-widget':
      return 'suggest widget';
    default:
      return REASON_TEXT[reason];
  }
}

/** One sentence for the tooltip. */
export function completionStatusDetail(status: CompletionStatus): string {
  const source = (s: { step?: number; training?: boolean }) =>
    s.training
      ? ` Training is running: suggestions come from the last saved checkpoint${s.step !== undefined ? ` (step ${s.step})` : ''} and follow each new one.`
      : s.step !== undefined
        ? ` Model: step ${s.step}.`
        : '';
  switch (status.kind) {
    case 'off':
      return 'Inline completions are off. Click to turn them on.';
    case 'language':
      return `Inline completions are not enabled for ${status.languageId} (lmExplorer.completion.languages).`;
    case 'no-model':
      return 'There is no model in this workspace yet: train one on your notes and it will suggest how they go on.';
    case 'loading':
      return 'Loading the workspace model into the completion engine…';
    case 'ready':
      return `Ready: suggestions appear as ghost text while you type; Tab accepts.${source(status)}`;
    case 'suggested':
      return `Last suggestion: ${status.tokens} token${status.tokens === 1 ? '' : 's'} in ${Math.round(status.ms)} ms (${rate(status.tokensPerSecond)}), from the request to the item.${source(status)}`;
    case 'nothing':
      return `No suggestion: ${REASON_TEXT[status.reason]}.${source(status)}`;
    case 'error':
      return `The completion engine failed: ${status.message}`;
  }
}
