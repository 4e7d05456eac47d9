// A run's status from its files: the rule over status.json, summary.json, checkpoint.bin and the age of
// the metrics; and status.json as train() writes it, read back with a live and a dead process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveStatus, RECENT_MS, runStatusOf, type StatusFacts } from '../../src/dashboard/status.ts';
import { RUN_STATUS_FILE, startRunStatus } from '../../src/run/run-status.ts';

const NOW = 1_800_000_000_000;
const facts = (f: Partial<StatusFacts>): StatusFacts => ({
  status: undefined,
  hasSummary: false,
  hasCheckpoint: false,
  lastWriteMs: undefined,
  nowMs: NOW,
  thisHost: 'here',
  alive: () => true,
  ...f,
});
const status = (state: 'running' | 'finished' | 'interrupted' | 'failed', host = 'here', error?: string) => ({
  state,
  pid: 42,
  host,
  startedAt: 'a',
  updatedAt: 'b',
  ...(error ? { error } : {}),
});

test('status rule: status.json first, its process checked on this host; else summary, checkpoint, recent writes', () => {
  const state = (f: Partial<StatusFacts>): string => deriveStatus(facts(f)).state;
  assert.equal(state({ status: status('finished') }), 'finished');
  assert.equal(state({ status: status('interrupted'), hasSummary: true }), 'interrupted');
  assert.equal(deriveStatus(facts({ status: status('failed', 'here', 'disk full') })).reason, 'disk full');
  assert.equal(state({ status: status('running') }), 'running');
  assert.equal(state({ status: status('running'), alive: () => false }), 'interrupted'); // killed
  assert.equal(state({ status: status('running', 'elsewhere'), alive: () => false }), 'running');
  assert.equal(state({ hasSummary: true, hasCheckpoint: true }), 'finished');
  assert.equal(state({ hasCheckpoint: true, lastWriteMs: NOW }), 'interrupted');
  assert.equal(state({ lastWriteMs: NOW - RECENT_MS + 1000 }), 'running');
  assert.equal(state({ lastWriteMs: NOW - RECENT_MS - 1000 }), 'interrupted');
  assert.equal(state({}), 'interrupted');
});

test('status.json as train() writes it: running while this process lives, interrupted once it is gone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-status-'));
  try {
    const writer = startRunStatus(dir);
    assert.equal(runStatusOf(dir).state, 'running');
    writer.ended({ interrupted: true });
    assert.equal(runStatusOf(dir).state, 'interrupted');
    writer.failed(new Error('no space left on the device'));
    assert.deepEqual(runStatusOf(dir), { state: 'failed', reason: 'no space left on the device' });
    writer.ended({ iterations: 3 });
    assert.equal(runStatusOf(dir).state, 'finished');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // a process that has ended
    const at = new Date().toISOString();
    const running = { state: 'running', pid: dead, host: hostname(), startedAt: at, updatedAt: at };
    writeFileSync(join(dir, RUN_STATUS_FILE), JSON.stringify(running));
    assert.equal(runStatusOf(dir).state, 'interrupted');
    writeFileSync(join(dir, RUN_STATUS_FILE), '{"state":"runn'); // torn: the other files decide
    writeFileSync(join(dir, 'summary.json'), '{}');
    assert.equal(runStatusOf(dir).state, 'finished');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
