// `lmx train`: the extension's training run (engine/trainingRun.ts) on files and folders, saving to a model folder.

import * as path from 'path';
import { BACKEND_NAMES, initBackend, type BackendReport } from '../../engine/backends';
import { inspectModelFolder, loadCheckpoint, readCheckpointWeights, recoverInterruptedSave, saveCheckpoint } from '../../engine/checkpoint';
import { UserError } from '../../engine/errors';
import { GPT } from '../../engine/model';
import { PRESET_SETTINGS } from '../../engine/presets';
import { TOKENIZERS } from '../../engine/tokenizer';
import type { TrainProgress } from '../../engine/training';
import { RUN_DEFAULTS, type RunSettings } from '../../engine/runSettings';
import { buildTrainingRun, runTraining, type KeptWeights, type RunOutcome, type TrainingRun } from '../../engine/trainingRun';
import { Vocabulary } from '../../engine/vocab';
import { choiceList, choiceOption, integerOption, numberOption, stringOption } from '../args';
import { EXIT_INTERRUPTED, EXIT_OK, type Command, type OptionValues } from '../command';
import { collectDocuments, TEXT_EXTENSIONS } from '../corpusFiles';
import { formatDuration, formatNumber } from '../../l10n/format';
import { ProgressLine, stderr, stdout } from '../terminal';

const D = RUN_DEFAULTS;
const autoOr = (value: number | string, unit = '') => (value === 0 || value === 'auto' ? 'auto: sized to the corpus' : `${value}${unit}`);

export const train: Command = {
  summary: 'train a model on text files or folders of notes',
  usage: 'lmx train <files or folders…> --out DIR [options]',
  positionals: 'many',
  options: {
    out: { type: 'string', short: 'o' },
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
  help: `Reads ${TEXT_EXTENSIONS.join(' ')} files (folders recursively; binary files are skipped), holds out
the tail of every file for validation, builds a vocabulary from the rest and trains a GPT on it. DIR keeps
the model with the lowest validation loss (what generate and attention use) and the latest state (what
--resume continues). Training stops early when validation stops improving. The same engine, settings and
defaults as the extension's Train Model on Workspace.

Options:
  --out, -o DIR            where to save the model: a new or empty folder, or a model folder (required)
  --preset NAME            ${choiceList(PRESET_SETTINGS)} (default ${autoOr(D.preset)})
  --steps N                optimiser steps to reach (default ${autoOr(D.steps)})
  --minutes X              stop after X minutes, 0 for no limit (default ${D.minutes})
  --batch-size N           sequences per step (default ${D.batchSize})
  --lr X                   peak learning rate (default ${autoOr(D.learningRate)})
  --min-lr X               learning rate at the end of the cosine decay (default lr/10)
  --warmup N               warm-up steps (default 5% of the steps, at most 100)
  --weight-decay X         AdamW weight decay (default ${D.weightDecay})
  --beta2 X                AdamW β2 (default ${D.beta2})
  --grad-clip X            clip the gradient norm to X (default ${D.gradClip})
  --dropout P              dropout rate while training, 0 ≤ P < 1 (default ${D.dropout}; 0: off);
                           keeps a small folder of notes from being memorised
  --patience N             stop after N validations without a new best, 0 never (default ${D.patience})
  --context N              context length in tokens, 2 to 8192 (default ${autoOr(D.contextLength)}); memory
                           grows with its square: a run that would not fit in memory is refused at once
  --positional KIND        learned | sinusoidal (default ${D.positional})
  --tokenizer NAME         ${choiceList(TOKENIZERS)} (default ${D.tokenizer})
  --max-vocab N            largest vocabulary, <sep> and the 256 byte tokens included (default ${D.maxVocab})
  --min-count N            tokens seen fewer times in the training part are spelled in bytes (default ${D.minCount})
  --backend NAME           ${choiceList(BACKEND_NAMES)} (default auto)
  --seed N                 random seed (default ${D.seed})
  --eval-interval N        measure the validation loss every N steps (default ${autoOr(D.evalInterval)})
  --eval-batches N         batches per validation measurement (0: no validation; default ${D.evalBatches})
  --checkpoint-interval N  save the latest state every N steps (default ${D.checkpointInterval}; the best model is saved when it improves)
  --resume                 continue the latest state in DIR (its model, vocabulary and optimiser state)
  --force                  replace the checkpoint already in DIR instead of refusing (only a model
                           folder: a folder holding anything else, or a file, is never replaced)
  --json                   print a JSON summary on stdout at the end

Ctrl-C stops after the current step, saves, and exits (code 130); press it twice to quit at once.`,
  run: runTrain,
};

async function runTrain(values: OptionValues, inputs: string[]): Promise<number> {
  if (inputs.length === 0) throw new UserError('lmx train needs at least one file or folder to train on (see lmx train --help).');
  const out = stringOption(values, 'out', true);
  const resume = values.resume === true;
  const settings: Partial<RunSettings> = {
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
  if (recovered) stderr(`note: ${out} was recovered from a save that was cut short (${path.basename(recovered)})`);
  const folder = await inspectModelFolder(out);
  if (folder.kind === 'other') throw new UserError(`--out ${out} ${folder.reason}; choose a new or empty folder (--force replaces only a model folder).`);
  if (resume) {
    const fixed = (['preset', 'context', 'positional', 'tokenizer', 'max-vocab', 'min-count'] as const).filter((k) => values[k] !== undefined);
    if (fixed.length) {
      throw new UserError(`--${fixed[0]} cannot be changed when resuming: the checkpoint in ${out} fixes the model and its vocabulary; leave it out.`);
    }
  } else if (folder.kind === 'model') {
    if (!values.force) throw new UserError(`${out} already holds a checkpoint; pass --resume to continue it, or --force to replace it.`);
    stderr(`note: replacing the checkpoint in ${out} (--force)`);
  }

  const documents = await collectDocuments(inputs, stderr);
  if (documents.length === 0) throw new UserError(`No text to train on in ${inputs.join(', ')} (empty, or only binary files).`);

  // Everything that can be wrong with the input is checked before a backend is started (probing one can be
  // slow, and native libraries may print to stderr).
  let backend!: BackendReport;
  const startBackend = async () => {
    backend = await initBackend(backendName);
  };
  const loaded = resume ? await loadCheckpoint(out, { beforeModel: startBackend, weights: 'latest' }) : undefined;
  if (loaded && !loaded.state) stderr(`note: ${out} has no training state; training continues from its weights with a fresh optimiser`);
  let run: TrainingRun;
  try {
    run = await buildTrainingRun(
      documents.map((d) => d.text),
      settings,
      loaded ? { vocab: loaded.vocab, config: loaded.model.config, step: loaded.state?.step ?? 0 } : undefined,
    );
    if (loaded?.state && loaded.state.step >= run.plan.steps) {
      throw new UserError(`The checkpoint in ${out} is already at step ${loaded.state.step}; pass --steps with a larger total to train further.`);
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
  stderr(`backend: ${backend.name}`);
  stderr(
    `corpus: ${formatNumber(sizes.documents)} documents, ${formatNumber(sizes.trainBytes + sizes.valBytes)} bytes, ${formatNumber(sizes.tokens)} tokens ` +
      `(${formatNumber(sizes.trainTokens)} train, ${formatNumber(sizes.valTokens)} validation: the tail of every document), ${sizes.tokenizer}, vocabulary ${formatNumber(vocab.size)}` +
      (sizes.unknownTokens ? `, ${formatNumber(sizes.unknownTokens)} <unk>` : ''),
  );
  const c = model.config;
  stderr(
    `model: ${c.nLayer} layers, ${c.nHead} heads, ${c.nEmbd} channels, context ${c.contextLength}, ${c.positional} positions, ${formatNumber(model.parameterCounts().total)} parameters, dropout ${run.plan.dropout} while training`,
  );
  stderr('plan:');
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
      stderr('interrupted: stopping after this step and saving (Ctrl-C again to quit without saving)');
      controller.abort();
    } else {
      stderr('quit without saving');
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
    `${interrupted ? 'interrupted at' : 'ended at'} step ${result.step}/${totalSteps}` +
      (last ? `, loss ${last.loss.toFixed(3)}` : '') +
      (outcome.kept ? `; kept step ${outcome.kept.step}, validation loss ${outcome.kept.valLoss.toFixed(3)} (${bpb(outcome.kept.valLoss).toFixed(2)} bits per byte)` : '') +
      `, ${formatDuration(elapsedMs)}; ${result.stoppedBy === 'diverged' ? `${out} keeps what was saved before it` : `saved to ${out}`}` +
      (interrupted ? ' (continue with --resume)' : ''),
  );
  if (values.json) {
    stdout(
      JSON.stringify({
        out,
        backend: backend.name,
        step: result.step,
        steps: totalSteps,
        stoppedBy: result.stoppedBy,
        message: outcome.message,
        interrupted,
        loss: last?.loss ?? null,
        valLoss: result.valLoss ?? null,
        kept: outcome.kept ? { step: outcome.kept.step, valLoss: outcome.kept.valLoss, bitsPerByte: bpb(outcome.kept.valLoss) } : null,
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
