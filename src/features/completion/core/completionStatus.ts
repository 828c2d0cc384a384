// Why there is no suggestion, or how the last one went: the status bar item's text and tooltip.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';

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

/** Why there is no suggestion, in words (a function: the texts are read in the display language). */
export function reasonText(reason: NoSuggestionReason): string {
  switch (reason) {
    case 'disabled':
      return l10n.t('inline completions are turned off');
    case 'language':
      return l10n.t('not enabled for this language');
    case 'no-model':
      return l10n.t('no model yet');
    case 'multi-cursor':
      return l10n.t('multiple cursors');
    case 'too-large':
      return l10n.t('the document is larger than lmExplorer.training.maxFileBytes');
    case 'suggest-widget':
      return l10n.t('the suggest widget is open');
    case 'mid-word':
      return l10n.t('in the middle of a word the model does not continue');
    case 'empty':
      return l10n.t('the model ends the line here');
    case 'cancelled':
      return l10n.t('superseded by newer typing');
    case 'error':
      return l10n.t('the engine failed');
  }
}

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
  return l10n.t('{0} tok/s', formatNumber(Math.round(tokensPerSecond)));
}

/** The status bar text for a state (with a codicon). */
export function completionStatusText(status: CompletionStatus): string {
  switch (status.kind) {
    case 'off':
      return `$(circle-slash) ${l10n.t('LM complete: off')}`;
    case 'language':
      return `$(circle-slash) ${l10n.t('LM complete: off for {0}', status.languageId)}`;
    case 'no-model':
      return `$(circle-outline) ${l10n.t('LM complete: no model')}`;
    case 'loading':
      return `$(sync~spin) ${l10n.t('LM complete: loading model')}`;
    case 'ready':
      return `$(sparkle) ${l10n.t('LM complete')}`;
    case 'suggested':
      return `$(sparkle) LM ${formatNumber(Math.round(status.ms))} ms · ${rate(status.tokensPerSecond)}`;
    case 'nothing':
      return status.reason === 'cancelled' ? `$(sparkle) ${l10n.t('LM complete')}` : `$(sparkle) ${l10n.t('LM: no suggestion ({0})', shortReason(status.reason))}`;
    case 'error':
      return `$(error) ${l10n.t('LM complete: error')}`;
  }
}

function shortReason(reason: NoSuggestionReason): string {
  switch (reason) {
    case 'multi-cursor':
      return l10n.t('multiple cursors');
    case 'too-large':
      return l10n.t('document too large');
    case 'mid-word':
      return l10n.t('mid-word');
    case 'empty':
      return l10n.t('end of line');
    case 'suggest-widget':
      return l10n.t('suggest widget');
    default:
      return reasonText(reason);
  }
}

/** One sentence for the tooltip. */
export function completionStatusDetail(status: CompletionStatus): string {
  const source = (s: { step?: number; training?: boolean }) =>
    s.training
      ? ` ${
          s.step !== undefined
            ? l10n.t('Training is running: suggestions come from the last saved checkpoint (step {0}) and follow each new one.', formatNumber(s.step))
            : l10n.t('Training is running: suggestions come from the last saved checkpoint and follow each new one.')
        }`
      : s.step !== undefined
        ? ` ${l10n.t('Model: step {0}.', formatNumber(s.step))}`
        : '';
  switch (status.kind) {
    case 'off':
      return l10n.t('Inline completions are off. Click to turn them on.');
    case 'language':
      return l10n.t('Inline completions are not enabled for {0} (lmExplorer.completion.languages).', status.languageId);
    case 'no-model':
      return l10n.t('There is no model in this workspace yet: train one on your notes and it will suggest how they go on.');
    case 'loading':
      return l10n.t('Loading the workspace model into the completion engine…');
    case 'ready':
      return `${l10n.t('Ready: suggestions appear as ghost text while you type; Tab accepts.')}${source(status)}`;
    case 'suggested':
      return `${plural(
        status.tokens,
        l10n.t(
          'Last suggestion: {0} token in {1} ms ({2}), from the request to the item.|Last suggestion: {0} tokens in {1} ms ({2}), from the request to the item.',
          formatNumber(status.tokens),
          formatNumber(Math.round(status.ms)),
          rate(status.tokensPerSecond),
        ),
      )}${source(status)}`;
    case 'nothing':
      return `${l10n.t('No suggestion: {0}.', reasonText(status.reason))}${source(status)}`;
    case 'error':
      return l10n.t('The completion engine failed: {0}', status.message);
  }
}
