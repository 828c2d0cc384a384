// `lmx train`: the extension's training run (engine/trainingRun.ts) on files and folders, saving to a model folder.

import * as l10n from '@vscode/l10n';
import * as path from 'path';
import { BACKEND_NAMES, initBackend, type BackendReport } from '../../engine/backends';
import { inspectModelFolder, loadCheckpoint, readCheckpointWeights, recoverInterruptedSave, saveCheckpoint } from '../../engine/checkpoint';
import { UserError } from '../../engine/errors';
import { GPT, MODEL_KINDS, modelKind } from '../../engine/model';
import { PRESET_SETTINGS } from '../../engine/presets';
import { TOKENIZERS } from '../../engine/tokenizer';
import type { TrainProgress } from '../../engine/training';
import { RUN_DEFAULTS, type RunSettings } from '../../engine/runSettings';
import { buildTrainingRun, runTraining, type KeptWeights, type RunOutcome, type TrainingRun } from '../../engine/trainingRun';
import { Vocabulary } from '../../engine/vocab';
import { formatDuration, formatFixed, formatNumber, formatPercent, plural } from '../../l10n/format';
import { choiceList, choiceOption, integerOption, numberOption, stringOption } from '../args';
import { EXIT_INTERRUPTED, EXIT_OK, type Command, type OptionValues } from '../command';
import { collectDocuments, TEXT_EXTENSIONS } from '../corpusFiles';
import { ProgressLine, stderr, stdout } from '../terminal';

const D = RUN_DEFAULTS;
const autoOr = (value: number | string) => (value === 0 || value === 'auto' ? l10n.t('auto: sized to the corpus') : String(value));

export const train: Command = {
  summary: l10n.t('train a model on text files or folders of notes'),
  usage: l10n.t('lmx train <files or folders…> --out DIR [options]'),
  positionals: 'many',
  options: {
    out: { type: 'string', short: 'o' },
    kind: { type: 'string' },
    'mask-rate': { type: 'string' },
    'mask-token-share': { type: 'string' },
    'random-token-share': { type: 'string' },
    preset: { type: 'string' },
    steps: { type: 'string' },
    minutes: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    'min-lr': { type: 'string' },
    warmup: { type: 'string' },
    'weight-decay': { type: 'string' },
    beta2: { type: 'string' },
    'grad-clip': { type: 'string' },
    dropout: { type: 'string' },
    patience: { type: 'string' },
    context: { type: 'string' },
    positional: { type: 'string' },
    tokenizer: { type: 'string' },
    'max-vocab': { type: 'string' },
    'min-count': { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    'eval-interval': { type: 'string' },
    'eval-batches': { type: 'string' },
    'checkpoint-interval': { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  help: l10n.t('Reads {extensions} files (folders recursively; binary files are skipped), holds out\nthe tail of every file for validation, builds a vocabulary from the rest and trains a GPT on it. DIR keeps\nthe model with the lowest validation loss (what generate and attention use) and the latest state (what\n--resume continues). Training stops early when validation stops improving. The same engine, settings and\ndefaults as the extension\'s Train Model on Workspace.\n\nOptions:\n  --out, -o DIR            where to save the model: a new or empty folder, or a model folder (required)\n  --preset NAME            {presets} (default {preset})\n  --steps N                optimiser steps to reach (default {steps})\n  --minutes X              stop after X minutes, 0 for no limit (default {minutes})\n  --batch-size N           sequences per step (default {batchSize})\n  --lr X                   peak learning rate (default {learningRate})\n  --min-lr X               learning rate at the end of the cosine decay (default lr/10)\n  --warmup N               warm-up steps (default 5% of the steps, at most 100)\n  --weight-decay X         AdamW weight decay (default {weightDecay})\n  --beta2 X                AdamW β2 (default {beta2})\n  --grad-clip X            clip the gradient norm to X (default {gradClip})\n  --dropout P              dropout rate while training, 0 ≤ P < 1 (default {dropout}; 0: off);\n                           keeps a small folder of notes from being memorised\n  --patience N             stop after N validations without a new best, 0 never (default {patience})\n  --context N              context length in tokens, 2 to 8192 (default {contextLength}); memory\n                           grows with its square: a run that would not fit in memory is refused at once\n  --positional KIND        {positionals} (default {positional})\n  --tokenizer NAME         {tokenizers} (default {tokenizer})\n  --max-vocab N            largest vocabulary, <sep> and the 256 byte tokens included (default {maxVocab})\n  --min-count N            tokens seen fewer times in the training part are spelled in bytes (default {minCount})\n  --backend NAME           {backends} (default auto)\n  --seed N                 random seed (default {seed})\n  --eval-interval N        measure the validation loss every N steps (default {evalInterval})\n  --eval-batches N         batches per validation measurement (0: no validation; default {evalBatches})\n  --checkpoint-interval N  save the latest state every N steps (default {checkpointInterval}; the best model is saved when it improves)\n  --resume                 continue the latest state in DIR (its model, vocabulary and optimiser state)\n  --force                  replace the checkpoint already in DIR instead of refusing (only a model\n                           folder: a folder holding anything else, or a file, is never replaced)\n  --json                   print a JSON summary on stdout at the end\n\nCtrl-C stops after the current step, saves, and exits (code 130); press it twice to quit at once.', {
    extensions: TEXT_EXTENSIONS.join(' '),
    presets: choiceList(PRESET_SETTINGS),
    preset: autoOr(D.preset),
    steps: autoOr(D.steps),
    minutes: D.minutes,
    batchSize: D.batchSize,
    learningRate: autoOr(D.learningRate),
    weightDecay: D.weightDecay,
    beta2: D.beta2,
    gradClip: D.gradClip,
    dropout: D.dropout,
    patience: D.patience,
    contextLength: autoOr(D.contextLength),
    positionals: choiceList(['learned', 'sinusoidal']),
    positional: D.positional,
    tokenizers: choiceList(TOKENIZERS),
    tokenizer: D.tokenizer,
    maxVocab: D.maxVocab,
    minCount: D.minCount,
    backends: choiceList(BACKEND_NAMES),
    seed: D.seed,
    evalInterval: autoOr(D.evalInterval),
    evalBatches: D.evalBatches,
    checkpointInterval: D.checkpointInterval,
  }) +
    '\n\n' +
    l10n.t(
      'Model kind:\n  --kind KIND              {kinds}: a decoder (GPT) is trained to predict the next token; an encoder\n                           (BERT) attends both ways and is trained to fill in masked tokens (lmx fill)\n                           (default {kind})\n  --mask-rate P            encoder: share of the tokens chosen in each batch (default {maskRate})\n  --mask-token-share P     encoder: share of the chosen tokens replaced by [MASK] (default {maskTokenShare})\n  --random-token-share P   encoder: share replaced by a random token (default {randomTokenShare}); the\n                           rest stay unchanged',
      { kinds: choiceList(MODEL_KINDS), kind: D.kind, maskRate: D.maskRate, maskTokenShare: D.maskTokenShare, randomTokenShare: D.randomTokenShare },
    ),
  run: runTrain,
};

async function runTrain(values: OptionValues, inputs: string[]): Promise<number> {
  if (inputs.length === 0) throw new UserError(l10n.t('lmx train needs at least one file or folder to train on (see lmx train --help).'));
  const out = stringOption(values, 'out', true);
  const resume = values.resume === true;
  const settings: Partial<RunSettings> = {
    kind: choiceOption(values, 'kind', MODEL_KINDS),
    maskRate: numberOption(values, 'mask-rate', { min: 0, minExclusive: true, max: 1 }),
    maskTokenShare: numberOption(values, 'mask-token-share', { min: 0, max: 1 }),
    randomTokenShare: numberOption(values, 'random-token-share', { min: 0, max: 1 }),
    preset: choiceOption(values, 'preset', PRESET_SETTINGS),
    steps: integerOption(values, 'steps', 1),
    minutes: numberOption(values, 'minutes', { min: 0 }),
    batchSize: integerOption(values, 'batch-size', 1, 4096),
    learningRate: numberOption(values, 'lr', { min: 0, minExclusive: true, max: 10 }),
    minLearningRate: numberOption(values, 'min-lr', { min: 0, max: 10 }),
    warmupSteps: integerOption(values, 'warmup', 0),
    weightDecay: numberOption(values, 'weight-decay', { min: 0, max: 10 }),
    beta2: numberOption(values, 'beta2', { min: 0, max: 1, maxExclusive: true }),
    gradClip: numberOption(values, 'grad-clip', { min: 0, minExclusive: true }),
    dropout: numberOption(values, 'dropout', { min: 0, max: 1, maxExclusive: true }),
    patience: integerOption(values, 'patience', 0),
    contextLength: integerOption(values, 'context', 2, 8192),
    positional: choiceOption(values, 'positional', ['learned', 'sinusoidal'] as const),
    tokenizer: choiceOption(values, 'tokenizer', TOKENIZERS),
    maxVocab: integerOption(values, 'max-vocab', Vocabulary.MIN_SIZE, 1_000_000),
    minCount: integerOption(values, 'min-count', 1),
    seed: integerOption(values, 'seed', 0, 0xffffffff),
    evalInterval: integerOption(values, 'eval-interval', 1),
    evalBatches: integerOption(values, 'eval-batches', 0, 10_000),
    checkpointInterval: integerOption(values, 'checkpoint-interval', 0),
  };
  const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';

  // --out is new, empty, or a model folder; nothing else is ever replaced, --force or not.
  const recovered = await recoverInterruptedSave(out);
  if (recovered) stderr(l10n.t('note: {0} was recovered from a save that was cut short ({1})', out, path.basename(recovered)));
  const folder = await inspectModelFolder(out);
  if (folder.kind === 'other') throw new UserError(l10n.t('--out {0} {1}; choose a new or empty folder (--force replaces only a model folder).', out, folder.reason));
  if (resume) {
    const fixed = (['kind', 'preset', 'context', 'positional', 'tokenizer', 'max-vocab', 'min-count'] as const).filter((k) => values[k] !== undefined);
    if (fixed.length) {
      throw new UserError(l10n.t('--{0} cannot be changed when resuming: the checkpoint in {1} fixes the model and its vocabulary; leave it out.', fixed[0], out));
    }
  } else if (folder.kind === 'model') {
    if (!values.force) throw new UserError(l10n.t('{0} already holds a checkpoint; pass --resume to continue it, or --force to replace it.', out));
    stderr(l10n.t('note: replacing the checkpoint in {0} (--force)', out));
  }

  const documents = await collectDocuments(inputs, stderr);
  if (documents.length === 0) throw new UserError(l10n.t('No text to train on in {0} (empty, or only binary files).', inputs.join(', ')));

  // Everything that can be wrong with the input is checked before a backend is started (probing one can be
  // slow, and native libraries may print to stderr).
  let backend!: BackendReport;
  const startBackend = async () => {
    backend = await initBackend(backendName);
  };
  const loaded = resume ? await loadCheckpoint(out, { beforeModel: startBackend, weights: 'latest' }) : undefined;
  if (loaded && !loaded.state) stderr(l10n.t('note: {0} has no training state; training continues from its weights with a fresh optimiser', out));
  let run: TrainingRun;
  try {
    run = await buildTrainingRun(
      documents.map((d) => d.text),
      settings,
      loaded ? { vocab: loaded.vocab, config: loaded.model.config, step: loaded.state?.step ?? 0 } : undefined,
    );
    if (loaded?.state && loaded.state.step >= run.plan.steps) {
      throw new UserError(l10n.t('The checkpoint in {0} is already at step {1}; pass --steps with a larger total to train further.', out, loaded.state.step));
    }
  } catch (error) {
    loaded?.model.dispose();
    throw error;
  }
  if (!loaded) await startBackend();
  const model = loaded?.model ?? new GPT(run.config, run.settings.seed);
  const state = loaded?.state;
  let kept: KeptWeights | undefined;
  if (loaded && state?.best) {
    const weights = await readCheckpointWeights(loaded.dir, 'kept');
    if (weights) kept = { ...state.best, weights };
  }
  const { vocab, plan, sizes } = run;
  stderr(l10n.t('backend: {0}', backend.name));
  stderr(
    l10n.t('corpus: {0}, {1}, {2} ({3} train, {4} validation: the tail of every document), {5}, vocabulary {6}', {
      0: plural(sizes.documents, l10n.t('{0} document|{0} documents', formatNumber(sizes.documents))),
      1: plural(sizes.trainBytes + sizes.valBytes, l10n.t('{0} byte|{0} bytes', formatNumber(sizes.trainBytes + sizes.valBytes))),
      2: plural(sizes.tokens, l10n.t('{0} token|{0} tokens', formatNumber(sizes.tokens))),
      3: formatNumber(sizes.trainTokens),
      4: formatNumber(sizes.valTokens),
      5: sizes.tokenizer,
      6: formatNumber(vocab.size),
    }) + (sizes.unknownTokens ? `, ${formatNumber(sizes.unknownTokens)} <unk>` : ''),
  );
  const c = model.config;
  const encoder = modelKind(c) === 'encoder';
  stderr(encoder ? l10n.t('kind: encoder (bidirectional attention, masked-language-model training)') : l10n.t('kind: decoder (causal attention, next-token training)'));
  const masked = run.trainOptions.masked;
  if (masked) {
    const { maskRate, maskTokenShare, randomTokenShare } = masked.rates;
    stderr(
      l10n.t('masking: {0} of the tokens each batch; of those {1} [MASK], {2} a random token, {3} unchanged; the loss counts those positions only', {
        0: formatPercent(maskRate),
        1: formatPercent(maskTokenShare),
        2: formatPercent(randomTokenShare),
        3: formatPercent(Math.max(0, 1 - maskTokenShare - randomTokenShare)),
      }),
    );
  }
  stderr(
    l10n.t('model: {0} layers, {1} heads, {2} channels, context {3}, {4} positions, {5} parameters, dropout {6} while training', {
      0: c.nLayer,
      1: c.nHead,
      2: c.nEmbd,
      3: c.contextLength,
      4: c.positional,
      5: formatNumber(model.parameterCounts().total),
      6: formatNumber(run.plan.dropout),
    }),
  );
  stderr(l10n.t('plan:'));
  for (const reason of plan.reasons) stderr(`  ${reason}`);

  const startStep = state?.step ?? 0;
  const totalSteps = plan.steps;
  const progress = new ProgressLine(process.stderr, Math.max(1, Math.round((totalSteps - startStep) / 20)));
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      progress.finish();
      stderr(l10n.t('interrupted: stopping after this step and saving (Ctrl-C again to quit without saving)'));
      controller.abort();
    } else {
      stderr(l10n.t('quit without saving'));
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on('SIGINT', onSigint);

  let last: TrainProgress | undefined;
  const info = {
    sources: inputs.map((i) => path.resolve(i)),
    corpus: sizes,
    plan,
    training: { ...run.trainOptions, backend: backend.name },
  };
  const started = Date.now();
  let outcome: RunOutcome;
  try {
    outcome = await runTraining(
      run,
      model,
      state,
      {
        signal: controller.signal,
        save: (s, keptNow) => saveCheckpoint(out, model, vocab, s, { info, ...(keptNow ? { kept: keptNow } : {}) }),
        onProgress: (p) => {
          last = p;
          progress.update(p, startStep);
        },
      },
      kept,
    );
  } finally {
    process.off('SIGINT', onSigint);
    progress.finish();
  }
  const elapsedMs = Date.now() - started;
  const { result } = outcome;
  const interrupted = result.stoppedBy === 'cancel';
  stderr(outcome.message);
  const bpb = (loss: number) => (loss * sizes.valTokens) / (sizes.valBytes * Math.LN2);
  stderr(
    (interrupted ? l10n.t('interrupted at step {0}/{1}', result.step, totalSteps) : l10n.t('ended at step {0}/{1}', result.step, totalSteps)) +
      (last ? l10n.t(', loss {0}', formatFixed(last.loss, 3)) : '') +
      (outcome.kept
        ? encoder
          ? // bits per byte are a next-token measure: an encoder's loss is at the masked positions only
            l10n.t('; kept step {0}, masked-token validation loss {1} (last validation: {2} of the masked tokens right)', outcome.kept.step, formatFixed(outcome.kept.valLoss, 3), formatPercent(result.valAccuracy ?? NaN, 1))
          : l10n.t('; kept step {0}, validation loss {1} ({2} bits per byte)', outcome.kept.step, formatFixed(outcome.kept.valLoss, 3), formatFixed(bpb(outcome.kept.valLoss), 2))
        : '') +
      ', ' +
      formatDuration(elapsedMs) +
      '; ' +
      (result.stoppedBy === 'diverged' ? l10n.t('{0} keeps what was saved before it', out) : l10n.t('saved to {0}', out)) +
      (interrupted ? l10n.t(' (continue with --resume)') : ''),
  );
  if (values.json) {
    stdout(
      JSON.stringify({
        out,
        kind: modelKind(c),
        backend: backend.name,
        step: result.step,
        steps: totalSteps,
        stoppedBy: result.stoppedBy,
        message: outcome.message,
        interrupted,
        loss: last?.loss ?? null,
        valLoss: result.valLoss ?? null,
        ...(encoder ? { valAccuracy: result.valAccuracy ?? null } : {}),
        kept: outcome.kept ? { step: outcome.kept.step, valLoss: outcome.kept.valLoss, ...(encoder ? {} : { bitsPerByte: bpb(outcome.kept.valLoss) }) } : null,
        tokensPerSecond: result.tokensPerSecond,
        trainMs: last?.elapsedMs ?? null,
        elapsedMs,
        parameters: model.parameterCounts().total,
        dropout: run.plan.dropout,
        corpus: sizes,
        plan,
        vocabSize: vocab.size,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      }),
    );
  }
  model.dispose();
  return interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}
