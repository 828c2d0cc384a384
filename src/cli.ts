#!/usr/bin/env node
// `lmx`: the LM Explorer engine on the command line.
//
//   lmx train <files or folders…> --out DIR     train a model on notes, saving checkpoints in DIR
//   lmx generate --model DIR --prompt TEXT      continue a prompt
//   lmx attention --model DIR --text TEXT       print one head's attention matrix
//   lmx tokenize TEXT                           show the tokens of a text
//   lmx backends                                which TensorFlow.js backends load here, and why not
//
// Exit codes: 0 done, 2 bad input (one line on stderr, never a stack trace), 130 interrupted by Ctrl-C
// (after saving), 1 an internal error (a bug: set LMX_DEBUG=1 for its stack trace).

import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { version } from '../package.json';
import { BACKEND_NAMES, describeBackendReport, initBackend, type BackendName, type BackendReport } from './engine/backend';
import { describeBackends, formatBackendTable } from './engine/backends/webgpu';
import { CheckpointError, inspectModelFolder, loadCheckpoint, readCheckpointWeights, recoverInterruptedSave, saveCheckpoint } from './engine/checkpoint';
import { errorMessage, isUserError, UserError } from './engine/errors';
import { generate } from './engine/generate';
import { GPT, PRESETS, type PresetName } from './engine/model';
import { displayToken, tokenPieces, TOKENIZERS } from './engine/tokenizer';
import type { TrainProgress } from './engine/trainer';
import { RUN_DEFAULTS, type RunSettings } from './engine/runSettings';
import { buildTrainingRun, runTraining, type KeptWeights, type RunOutcome, type TrainingRun } from './engine/trainingRun';
import { Vocabulary } from './engine/vocab';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** File name extensions read from folders (a file named on the command line is read whatever its name). */
export const TEXT_EXTENSIONS = ['.md', '.markdown', '.txt', '.rst', '.tex', '.adoc'];

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  help: string;
  positionals: 'none' | 'one' | 'many';
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const HELP_OPTION: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h' } };

// ---------------------------------------------------------------------------------------------------
// Reading numbers and choices

function integerOption(values: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim().replace(/_/g, '');
  if (!/^[+-]?\d+$/.test(text)) throw new UserError(`--${name} must be a whole number, got "${raw}".`);
  const n = Number(text);
  if (n < min || n > max) throw new UserError(`--${name} must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`}, got ${n}.`);
  return n;
}

function numberOption(
  values: Record<string, unknown>,
  name: string,
  check: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean },
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new UserError(`--${name} must be a number, got "${raw}".`);
  const low = check.min === undefined || (check.minExclusive ? n > check.min : n >= check.min);
  const high = check.max === undefined || (check.maxExclusive ? n < check.max : n <= check.max);
  if (!low || !high) {
    const lo = check.min === undefined ? '' : `${check.minExclusive ? '>' : '≥'} ${check.min}`;
    const hi = check.max === undefined ? '' : `${check.maxExclusive ? '<' : '≤'} ${check.max}`;
    throw new UserError(`--${name} must be ${[lo, hi].filter(Boolean).join(' and ')}, got ${n}.`);
  }
  return n;
}

function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(String(raw))) throw new UserError(`--${name} must be one of ${choices.join(', ')}; got "${raw}".`);
  return raw as T;
}

function stringOption(values: Record<string, unknown>, name: string, required: true): string;
function stringOption(values: Record<string, unknown>, name: string, required?: false): string | undefined;
function stringOption(values: Record<string, unknown>, name: string, required = false): string | undefined {
  const raw = values[name];
  if (raw === undefined || raw === '') {
    if (required) throw new UserError(`--${name} is required.`);
    return undefined;
  }
  return String(raw);
}

// ---------------------------------------------------------------------------------------------------
// Output helpers

const stderr = (line = '') => process.stderr.write(line + '\n');
const stdout = (line = '') => process.stdout.write(line + '\n');

/** Writes many lines to stdout in blocks of about 64 KB (one write per line is slow on a pipe). */
function stdoutLines(lines: Iterable<string>): void {
  let block = '';
  for (const line of lines) {
    block += line + '\n';
    if (block.length >= 65536) {
      process.stdout.write(block);
      block = '';
    }
  }
  if (block) process.stdout.write(block);
}

/** The widest of some labels in terminal columns, at least `min` (a loop: a long text has more labels than a call takes arguments). */
function widestLabel(labels: readonly string[], min = 0): number {
  let width = min;
  for (const label of labels) width = Math.max(width, displayWidth(label));
  return width;
}

/** Terminal columns a string takes: wide (CJK, emoji) characters count 2, combining marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x1f3fb && cp <= 0x1f3ff)) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f680 && cp <= 0x1f6ff) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** Cuts a label to at most `width` columns, marking the cut with '…'. */
function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (displayWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + '…';
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

// ---------------------------------------------------------------------------------------------------
// Reading the corpus

export interface CollectedFile {
  path: string;
  text: string;
}

/** Reads the text files named, and those with a text extension inside the folders named (recursively). */
export async function collectDocuments(inputs: string[], warn: (line: string) => void): Promise<CollectedFile[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? `No such file or folder: ${input}` : `Cannot read ${input} (${code ?? errorMessage(error)}).`);
    }
    if (stat.isDirectory()) {
      const found = await walk(input);
      if (found.length === 0) warn(`note: no ${TEXT_EXTENSIONS.join(' ')} files in ${input}`);
      for (const file of found) files.push(file);
    } else files.push(input);
  }
  const unique = [...new Set(files.map((f) => path.resolve(f)))].sort();
  const documents: CollectedFile[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const file of unique) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (error) {
      throw new UserError(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}).`);
    }
    if (bytes.includes(0)) {
      warn(`skipping ${path.relative('.', file) || file}: binary file (contains NUL bytes)`);
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      warn(`skipping ${path.relative('.', file) || file}: binary file (not valid UTF-8)`);
      continue;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') continue;
    documents.push({ path: file, text });
  }
  return documents;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const file of await walk(full)) out.push(file);
    else if (entry.isFile() && TEXT_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Progress

class ProgressLine {
  private readonly tty: boolean;
  private lastPrinted = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly every: number,
  ) {
    this.tty = !!stream.isTTY && process.env.TERM !== 'dumb';
  }

  update(p: TrainProgress, startStep: number): void {
    const done = p.step - startStep;
    const left = p.steps - p.step;
    const perStep = done > 0 ? p.elapsedMs / done : NaN;
    const eta = formatDuration(left * perStep);
    const fields = [
      `step ${p.step}/${p.steps}`,
      `loss ${p.loss.toFixed(3)}`,
      p.valLoss !== undefined ? `val ${p.valLoss.toFixed(3)}` : undefined,
      `${formatCount(Math.round(p.tokensPerSecond))} tok/s`,
      `ETA ${eta}`,
    ].filter(Boolean);
    if (this.tty) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
      const filled = Math.round((width * p.step) / Math.max(1, p.steps));
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[K${bar} ${fields.join('  ')}`);
      this.drawn = true;
      if (p.valLoss !== undefined) {
        // keep evaluation results in the scroll-back
        this.stream.write('\n');
        this.drawn = false;
      }
    } else if (p.step === p.steps || p.valLoss !== undefined || p.step - this.lastPrinted >= this.every) {
      this.lastPrinted = p.step;
      this.stream.write(fields.join('  ') + '\n');
    }
  }

  /** Ends the line being redrawn, before other output. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Commands

const D = RUN_DEFAULTS;
const autoOr = (value: number | string, unit = '') => (value === 0 || value === 'auto' ? 'auto: sized to the corpus' : `${value}${unit}`);

const train: Command = {
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
  help: `Reads .md .markdown .txt .rst .tex .adoc files (folders recursively; binary files are skipped), holds out
the tail of every file for validation, builds a vocabulary from the rest and trains a GPT on it. DIR keeps
the model with the lowest validation loss (what generate and attention use) and the latest state (what
--resume continues). Training stops early when validation stops improving. The same engine, settings and
defaults as the extension's Train Model on Workspace.

Options:
  --out, -o DIR            where to save the model: a new or empty folder, or a model folder (required)
  --preset NAME            auto | tiny | small | medium (default ${autoOr(D.preset)})
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
  --tokenizer NAME         o200k_base | cl100k_base | p50k_base | r50k_base | char (default ${D.tokenizer})
  --max-vocab N            largest vocabulary, <sep> and the 256 byte tokens included (default ${D.maxVocab})
  --min-count N            tokens seen fewer times in the training part are spelled in bytes (default ${D.minCount})
  --backend NAME           auto | tensorflow | webgpu | native | wasm | cpu (default auto)
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

async function runTrain(values: Record<string, string | boolean | undefined>, inputs: string[]): Promise<number> {
  if (inputs.length === 0) throw new UserError('lmx train needs at least one file or folder to train on (see lmx train --help).');
  const out = stringOption(values, 'out', true);
  const resume = values.resume === true;
  const settings: Partial<RunSettings> = {
    preset: choiceOption(values, 'preset', ['auto', ...Object.keys(PRESETS)] as (PresetName | 'auto')[]),
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
    `corpus: ${formatCount(sizes.documents)} documents, ${formatCount(sizes.trainBytes + sizes.valBytes)} bytes, ${formatCount(sizes.tokens)} tokens ` +
      `(${formatCount(sizes.trainTokens)} train, ${formatCount(sizes.valTokens)} validation: the tail of every document), ${sizes.tokenizer}, vocabulary ${formatCount(vocab.size)}` +
      (sizes.unknownTokens ? `, ${formatCount(sizes.unknownTokens)} <unk>` : ''),
  );
  const c = model.config;
  stderr(
    `model: ${c.nLayer} layers, ${c.nHead} heads, ${c.nEmbd} channels, context ${c.contextLength}, ${c.positional} positions, ${formatCount(model.parameterCounts().total)} parameters, dropout ${run.plan.dropout} while training`,
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

/** Model IDs for a prompt: an empty prompt is the start of a document (<sep>); the last contextLength kept. */
function promptIds(vocab: Vocabulary, text: string, contextLength: number): { ids: number[]; unknown: number; cut: number } {
  let ids = vocab.encode(text);
  const unknown = ids.filter((id) => id === Vocabulary.UNK).length;
  if (ids.length === 0) ids = [Vocabulary.SEP];
  const cut = Math.max(0, ids.length - contextLength);
  return { ids: cut ? ids.slice(cut) : ids, unknown, cut };
}

/** Loads a checkpoint, starting the backend only once its files have been checked. */
async function loadModel(dir: string, backendName: BackendName) {
  return loadCheckpoint(dir, { beforeModel: () => initBackend(backendName) });
}

const generateCommand: Command = {
  summary: 'continue a prompt with a trained model',
  usage: 'lmx generate --model DIR --prompt TEXT [options]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    prompt: { type: 'string', short: 'p' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  },
  help: `Options:
  --model, -m DIR     a checkpoint folder written by lmx train (required)
  --prompt, -p TEXT   the text to continue (default: the start of a document)
  --max-tokens N      tokens to generate (default 100)
  --temperature X     0 = always the most likely token (default 0.8)
  --top-k N           sample from the N most likely tokens only
  --top-p X           sample from the smallest set of tokens with probability ≥ X (0 < X ≤ 1)
  --seed N            random seed (default 1)
  --backend NAME      auto | tensorflow | webgpu | native | wasm | cpu (default auto)`,
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const prompt = typeof values.prompt === 'string' ? values.prompt : '';
    const maxNewTokens = integerOption(values, 'max-tokens', 1, 100_000) ?? 100;
    const temperature = numberOption(values, 'temperature', { min: 0, max: 100 }) ?? 0.8;
    const topK = integerOption(values, 'top-k', 1);
    const topP = numberOption(values, 'top-p', { min: 0, minExclusive: true, max: 1 });
    const seed = integerOption(values, 'seed', 0, 0xffffffff) ?? 1;
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const { ids, unknown, cut } = promptIds(vocab, prompt, model.config.contextLength);
      if (unknown) stderr(`note: ${unknown} prompt token${unknown > 1 ? 's are' : ' is'} not in the model's vocabulary (read as <unk>)`);
      if (cut) stderr(`note: the prompt is longer than the context; its last ${model.config.contextLength} tokens are used`);
      const result = await generate(model, vocab, ids, {
        maxNewTokens,
        temperature,
        seed,
        ...(topK !== undefined ? { topK } : {}),
        ...(topP !== undefined ? { topP } : {}),
      });
      process.stdout.write(prompt + result.text + '\n');
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

const attentionCommand: Command = {
  summary: "print one attention head's matrix for a text",
  usage: 'lmx attention --model DIR --text TEXT [--layer L] [--head H]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    layer: { type: 'string' },
    head: { type: 'string' },
    backend: { type: 'string' },
  },
  help: `Prints how much each token (row) attends to each earlier token (column) in one head.

Options:
  --model, -m DIR   a checkpoint folder written by lmx train (required)
  --text, -t TEXT   the text to look at (required)
  --layer L         layer, from 0 (default 0)
  --head H          head, from 0 (default 0)
  --backend NAME    auto | tensorflow | webgpu | native | wasm | cpu (default auto)`,
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const text = stringOption(values, 'text', true);
    const layerOpt = integerOption(values, 'layer', 0);
    const headOpt = integerOption(values, 'head', 0);
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const { nLayer, nHead, contextLength } = model.config;
      const layer = layerOpt ?? 0;
      const head = headOpt ?? 0;
      if (layer >= nLayer) throw new UserError(`--layer must be between 0 and ${nLayer - 1} (the model has ${nLayer} layers), got ${layer}.`);
      if (head >= nHead) throw new UserError(`--head must be between 0 and ${nHead - 1} (the model has ${nHead} heads), got ${head}.`);
      const { ids, cut } = promptIds(vocab, text, contextLength);
      if (cut) stderr(`note: the text is longer than the context; its last ${contextLength} tokens are shown`);
      const { attention } = await model.attention(ids);
      const matrix = attention[layer][head];
      stdout(`layer ${layer}, head ${head}: row = query token, column = key token it attends to`);
      stdoutLines(formatAttention(ids.map((id) => vocab.tokenLabel(id)), matrix));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

/** An attention matrix as aligned text: column numbers on top, "i label" down the side, '·' for masked cells. */
export function formatAttention(labels: string[], matrix: number[][]): string[] {
  const n = labels.length;
  const shown = labels.map((l) => clip(l, 14));
  const indexWidth = String(n - 1).length;
  const sideWidth = indexWidth + 1 + widestLabel(shown);
  const cell = 5;
  const lines = [padEnd('', sideWidth) + ' ' + Array.from({ length: n }, (_, j) => padStart(String(j), cell)).join('')];
  for (let i = 0; i < n; i++) {
    const side = padEnd(`${String(i).padStart(indexWidth)} ${shown[i]}`, sideWidth);
    const cells = Array.from({ length: n }, (_, j) => padStart(j > i ? '·' : matrix[i][j].toFixed(2), cell));
    lines.push(`${side} ${cells.join('')}`);
  }
  return lines;
}

const tokenizeCommand: Command = {
  summary: 'show the tokens of a text',
  usage: 'lmx tokenize TEXT [--encoding NAME]',
  positionals: 'one',
  options: { encoding: { type: 'string', short: 'e' } },
  help: `Prints each token of TEXT with its ID ("-" reads the text from stdin). Tokens that are only part of a
character show their bytes, as <E2><80>; whitespace shows as · (space), → (tab), ↵ (newline).

Options:
  --encoding, -e NAME   o200k_base | cl100k_base | p50k_base | r50k_base | char (default o200k_base)`,
  async run(values, positionals) {
    const encoding = choiceOption(values, 'encoding', TOKENIZERS) ?? 'o200k_base';
    let text = positionals[0];
    if (text === '-') text = await readStdin();
    const pieces = tokenPieces(text, encoding);
    const labels = pieces.map((p) => displayToken(p.bytes, { whitespace: true }));
    const width = widestLabel(labels, 5);
    stdout(`${padEnd('token', width)}  id`);
    stdoutLines(pieces.map((p, i) => `${padEnd(labels[i], width)}  ${p.id}`));
    stdout(`${pieces.length} token${pieces.length === 1 ? '' : 's'}, ${[...text].length} characters (${encoding})`);
    return EXIT_OK;
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const backendsCommand: Command = {
  summary: 'which TensorFlow.js backends load here, and why the others do not',
  usage: 'lmx backends',
  positionals: 'none',
  options: {},
  help: 'Shows which backend "auto" picks and why it passed the others over, then tries each backend in turn.',
  async run() {
    const report = await initBackend('auto');
    stdout(`auto picks: ${report.name}`);
    for (const line of describeBackendReport(report)) stdout(`  ${line}`);
    stdout('');
    stdout(formatBackendTable(await describeBackends()));
    return EXIT_OK;
  },
};

const COMMANDS: Record<string, Command> = {
  train,
  generate: generateCommand,
  attention: attentionCommand,
  tokenize: tokenizeCommand,
  backends: backendsCommand,
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    `lmx ${version}: train a small GPT on your notes and look inside it`,
    '',
    'Usage: lmx <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'lmx <command> --help   options of a command',
    'lmx --version          the version',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: ${command.usage}`, '', `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`, '', command.help].join('\n');
}

/** Runs the CLI with the arguments after `lmx`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) stdout(commandHelp(COMMANDS[rest[0]]));
    else stdout(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    stdout(`lmx ${version} (node ${process.versions.node})`);
    // Which backend `auto` takes here, and why it passed the others over (`lmx backends` tries each one).
    const report = await initBackend('auto');
    stdout(`backend: ${report.name}`);
    for (const line of describeBackendReport(report)) stdout(`  ${line}`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) {
      throw new UserError(
        name.startsWith('-') ? `Unknown option '${name}' (see lmx --help).` : `Unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}.`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout(commandHelp(command));
      return EXIT_OK;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...command.options, ...HELP_OPTION }, strict: true, allowPositionals: command.positionals !== 'none' });
    } catch (error) {
      throw new UserError(`lmx ${name}: ${parseArgsMessage(error)} (see lmx ${name} --help).`);
    }
    const { values, positionals } = parsed;
    if (command.positionals === 'one' && positionals.length !== 1) {
      throw new UserError(
        positionals.length === 0
          ? `lmx ${name} needs the text as one argument (see lmx ${name} --help).`
          : `lmx ${name} takes one text argument, got ${positionals.length}; quote the text (see lmx ${name} --help).`,
      );
    }
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    return reportError(error);
  }
}

function parseArgsMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = errorMessage(error);
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return `unknown option '${option ?? message}'`;
  }
  if (e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1];
    return `unexpected argument '${arg}': this command takes options only`;
  }
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
    if (/argument missing/.test(message)) return `option '${option}' needs a value`;
    if (/ambiguous/.test(message)) return `option '${option}' needs a value; write a value starting with '-' as ${option}=-1`;
    if (/does not take an argument/.test(message)) return `option '${option}' takes no value`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function reportError(error: unknown): number {
  if (isUserError(error) || error instanceof CheckpointError) {
    const message = errorMessage(error);
    stderr(message.startsWith('lmx ') ? message : `lmx: ${message}`);
    return EXIT_USAGE;
  }
  if (process.env.LMX_DEBUG) {
    stderr(`lmx: internal error: ${(error as Error)?.stack ?? String(error)}`);
  } else {
    stderr(`lmx: internal error: ${errorMessage(error)} (set LMX_DEBUG=1 for details)`);
  }
  return EXIT_INTERNAL;
}

/**
 * Exits with `code` once stdout and stderr have handed everything written to the system. A pipe takes what
 * fits in its buffer (64 KB on Linux) and Node keeps the rest until the reader makes room: process.exit() at
 * once would drop it. The exit itself is needed: a native backend may hold handles that keep the process alive.
 */
function exitAfterOutput(code: number): void {
  process.exitCode = code;
  let waiting = 2;
  for (const stream of [process.stdout, process.stderr]) {
    let flushed = false;
    const done = () => {
      if (flushed) return;
      flushed = true;
      if (--waiting === 0) process.exit(code);
    };
    // A reader that went away (`lmx tokenize - | head`): nothing more to wait for.
    stream.once('error', done);
    stream.write('', done);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(exitAfterOutput, (error) => exitAfterOutput(reportError(error)));
}
