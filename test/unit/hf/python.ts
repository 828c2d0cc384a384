// Runs Python scripts of the Hugging Face interop tests in the test environment (torch, transformers,
// tokenizers: scripts/system-requirements.cjs), and gets their answer back as JSON.

import { spawnSync } from 'child_process';
import { requirements } from '../requirements';

/** The test environment's Python; throws with the commands that set it up when it cannot import the packages. */
export function python(): string {
  const interpreter = requirements.testPython();
  const problem = requirements.pythonProblem(interpreter);
  if (problem) throw new Error(`${problem}. Run npm test (it installs them), or: ${requirements.pythonInstallCommand()}`);
  return interpreter;
}

interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `script` with `args` and returns what it printed as its last line, parsed as JSON; a failure throws with its stderr. */
export function runPython<T = unknown>(script: string, args: string[], options: RunOptions = {}): T {
  const lines = runPythonJsonLines(script, args, options);
  return lines[lines.length - 1] as T;
}

/** Runs `script` with `args` and returns every line it printed that is a JSON object, parsed. */
export function runPythonJsonLines(script: string, args: string[], options: RunOptions = {}): Record<string, unknown>[] {
  const r = spawnSync(python(), ['-c', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 240_000,
    cwd: options.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '2', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python exited with ${r.status}:\n${r.stderr.split('\n').slice(-25).join('\n')}`);
  return r.stdout
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // a Python dict printed as it is (transformers' own logs)
      }
    });
}
