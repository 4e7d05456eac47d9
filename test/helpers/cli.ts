// The esgrad command as the CLI tests run it: bin/esgrad.js in a child process with real MNIST from
// ESGRAD_DATA_DIR and no debug stacks; and the check that a failure is one line with exit code 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MNIST_DIR } from './data-dir.ts';

/** The esgrad command's entry, as every test that spawns it runs it. */
export const BIN = join(import.meta.dirname, '../../bin/esgrad.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `esgrad ...args` to its end (at most 5 minutes). */
export function esgrad(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code 2 and one error line matching `pattern` (lines saying where the data was read from aside). */
export function oneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^\w+: reading /.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}
