// Every text the training dashboard shows, in the display language (see CONTRIBUTING.md, "Localisation").
// Numbers reach these functions already formatted (formatNumber), counts as numbers for their plural form.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../src/l10n/format';
import '../l10n';

const count = (n: number) => formatNumber(n);

export const strings = {
  title: l10n.t('Training Dashboard'),
  buttons: {
    train: l10n.t('Train'),
    trainTitle: l10n.t('Train a model on the workspace (LM Explorer: Train Model on Workspace)'),
    resume: l10n.t('Resume'),
    resumeTitle: l10n.t('Continue training the saved model'),
    cancel: l10n.t('Cancel'),
    cancelTitle: l10n.t('Stop training; the model is saved'),
    export: l10n.t('Export…'),
    exportTitle: l10n.t('Save the model to a folder (loadable by lmx)'),
    load: l10n.t('Load…'),
    loadTitle: l10n.t('Load a model folder'),
    reset: l10n.t('Reset'),
    resetTitle: l10n.t('Delete the workspace model'),
    settings: l10n.t('Settings'),
    settingsTitle: l10n.t('LM Explorer settings'),
  },
  stats: {
    step: l10n.t('step'),
    trainLoss: l10n.t('train loss'),
    validationLoss: l10n.t('validation loss'),
    trainLossBitsPerByte: l10n.t('train loss (bits / byte)'),
    validationLossBitsPerByte: l10n.t('validation loss (bits / byte)'),
    kept: l10n.t('kept model'),
    rate: l10n.t('tokens / s'),
    elapsed: l10n.t('elapsed'),
    remaining: l10n.t('remaining'),
    keptBestTitle: l10n.t('The best-validation model of the run: the one the features use. Resume continues from the latest state.'),
    keptTitle: l10n.t('The model the features use.'),
  },
  status: {
    none: l10n.t('no model'),
    preparing: (message: string) => l10n.t('preparing: {0}', message),
    training: (percent: number) => l10n.t('training {0}%', count(percent)),
    ready: l10n.t('ready'),
    step: (step: number) => l10n.t('step {0}', count(step)),
    validation: (loss: string) => l10n.t('val {0}', loss),
    error: l10n.t('error'),
  },
  stopped: {
    steps: l10n.t('done'),
    time: l10n.t('time limit'),
    cancel: l10n.t('cancelled'),
    error: l10n.t('interrupted'),
    'early-stop': l10n.t('stopped early'),
    diverged: l10n.t('diverged'),
  },
  charts: {
    loss: l10n.t('Loss'),
    lossIn: (unit: string) => l10n.t('Loss ({0})', unit),
    lossUnitLabel: l10n.t('Loss in'),
    lossUnitAria: l10n.t('Show the loss in'),
    natsChoice: l10n.t('nats / token'),
    bitsChoice: l10n.t('bits / byte'),
    natsPerToken: l10n.t('nats per token'),
    bitsPerByte: l10n.t('bits per byte'),
    train: l10n.t('train'),
    validation: l10n.t('validation'),
    uniformGuess: l10n.t('uniform guess'),
    learningRate: l10n.t('Learning rate'),
    learningRateSeries: l10n.t('learning rate'),
    tokensPerSecond: l10n.t('Tokens per second'),
    tokensPerSecondSeries: l10n.t('tokens/s'),
    stepAxis: l10n.t('step'),
    noSteps: l10n.t('No training steps yet'),
    bitsAvailable: l10n.t('Bits per byte do not depend on the tokenizer: they compare across tokenizers and with file compressors (gzip, brotli) on the same text.'),
    bitsUnavailable: l10n.t('Bits per byte need the byte counts of the corpus, which the engine reports when a run starts.'),
    memorisingTitle: l10n.t('The model learns its notes by heart instead of learning from them: it predicts the held-out part worse while it predicts the training part better.'),
    uniformNote: (vocab: number, loss: string) =>
      l10n.t('Dashed line: the uniform guess, ln {0} = {1} nats per token: the score of a model that gives every token of the vocabulary the same chance. A model above it has learned nothing useful.', count(vocab), loss),
    uniformNoteBits: (vocab: number, loss: string, bits: string) =>
      l10n.t('Dashed line: the uniform guess, ln {0} = {1} nats per token ({2} bits per byte): the score of a model that gives every token of the vocabulary the same chance. A model above it has learned nothing useful.', count(vocab), loss, bits),
    markMemorising: l10n.t('memorising'),
    markKept: (step: number) => l10n.t('kept · step {0}', count(step)),
    markBest: (value: string) => l10n.t('best {0}', value),
  },
  cards: {
    model: l10n.t('Model'),
    plan: l10n.t('Plan'),
    corpus: l10n.t('Corpus'),
    samples: l10n.t('Samples'),
  },
  model: {
    none: l10n.t('No model yet.'),
    noneWithSettings: (preset: string, tokenizer: string, steps: string, batch: number, learningRate: number) =>
      l10n.t('No model yet. A new one will be the {0} preset with the {1} tokenizer, {2}, batch {3}, learning rate {4}.', preset, tokenizer, steps, count(batch), count(learningRate)),
    steps: (steps: number) => plural(steps, l10n.t('{0} step|{0} steps', count(steps))),
    autoSteps: l10n.t('as many steps as the notes call for (auto)'),
    orMinutes: (steps: string, minutes: number) => l10n.t('{0} or {1} min', steps, count(minutes)),
    layers: l10n.t('layers'),
    heads: l10n.t('heads'),
    embeddingSize: l10n.t('embedding size'),
    contextLength: l10n.t('context length'),
    tokens: (n: number) => plural(n, l10n.t('{0} token|{0} tokens', count(n))),
    positions: l10n.t('positions'),
    positional: { learned: l10n.t('learned'), sinusoidal: l10n.t('sinusoidal') } as Record<string, string>,
    vocabulary: l10n.t('vocabulary'),
    backend: l10n.t('backend'),
    trainedSteps: l10n.t('trained steps'),
    kept: l10n.t('kept model'),
    keptStep: (step: number) => l10n.t('step {0}', count(step)),
    keptValidation: (loss: string) => l10n.t('val {0}', loss),
    bestValidation: l10n.t('(best validation)'),
    keptBestTitle: l10n.t('The features (completions, attention, next tokens) use the model with the lowest validation loss of the run. Resume continues from the latest state.'),
    keptTitle: l10n.t('The features use this model.'),
    parameters: (n: number) => l10n.t('Parameters: {0}', count(n)),
    parts: { embeddings: l10n.t('embeddings'), attention: l10n.t('attention'), mlp: l10n.t('MLP'), norms: l10n.t('norms') },
  },
  plan: {
    empty: l10n.t('When a run starts, the engine says here what it was built with and why: with the auto budget, steps, model size and context are chosen from the size of the corpus.'),
    model: l10n.t('model'),
    modelValue: (preset: string, context: number) => l10n.t('{0}, context {1}', preset, plural(context, l10n.t('{0} token|{0} tokens', count(context)))),
    steps: l10n.t('steps'),
    stepsValue: (steps: number, batch: number) => l10n.t('{0} (batch {1})', count(steps), count(batch)),
    dropout: l10n.t('dropout'),
    earlyStopping: l10n.t('early stopping'),
    earlyStoppingAfter: (patience: number) =>
      plural(patience, l10n.t('after {0} evaluation without a better validation loss|after {0} evaluations without a better validation loss', count(patience))),
    off: l10n.t('off'),
  },
  corpus: {
    empty: l10n.t('The corpus is collected when training starts: every file matching lmExplorer.training.include in the workspace.'),
    files: l10n.t('files'),
    filesValue: (files: number, skipped: number) => (skipped ? l10n.t('{0} ({1} skipped)', count(files), count(skipped)) : count(files)),
    size: l10n.t('size'),
    tokens: l10n.t('tokens'),
    split: l10n.t('training / validation'),
    splitBytes: l10n.t('training / validation bytes'),
    vocabulary: l10n.t('vocabulary'),
    unknownTokens: l10n.t('unknown tokens'),
    include: l10n.t('include'),
    skipped: (summary: string) => l10n.t('Skipped: {0}. The list is in Output › LM Explorer.', summary),
  },
  samples: {
    empty: l10n.t('Every few steps the model continues a fixed prompt; the samples appear here, newest first, so you can watch the text get better.'),
    step: (step: number) => l10n.t('step {0}', count(step)),
    copied: l10n.t('copied from your notes'),
    copiedTitle: (tokens: number) =>
      plural(tokens, l10n.t('{0} token in a row of this sample is in your notes word for word (highlighted): the model recites its training text instead of writing new text.|{0} tokens in a row of this sample are in your notes word for word (highlighted): the model recites its training text instead of writing new text.', count(tokens))),
    copiedText: (text: string) => l10n.t('Copied: “{0}”', text),
  },
  masking: {
    title: l10n.t('Masked tokens (encoder)'),
    accuracy: (train: string, val: string) => l10n.t('Accuracy at the masked positions: {0} on the last training batch, {1} on validation (the same mask every time).', train, val),
    explain: l10n.t('Each batch, a fresh share of the tokens is chosen (15% by default); of those 80% become [MASK], 10% a random token and 10% stay as they are. The loss counts only the chosen positions. One row of the latest batch:'),
    branch: { mask: l10n.t('[MASK]'), random: l10n.t('random'), unchanged: l10n.t('unchanged') } as Record<'mask' | 'random' | 'unchanged', string>,
    branchTitle: (branch: 'mask' | 'random' | 'unchanged', original: string, shown: string) =>
      branch === 'mask'
        ? l10n.t('Chosen: the model sees [MASK] and must find “{0}”.', original)
        : branch === 'random'
          ? l10n.t('Chosen: the model sees the random token “{0}” and must find “{1}”.', shown, original)
          : l10n.t('Chosen: the model sees “{0}” unchanged and must still say whether it fits.', original),
  },
};
