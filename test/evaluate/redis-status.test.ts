// The pure pieces behind the Redis master's messages: the resume command's --redis part (never a
// password), who is alive in workers.json, the cap on a result's bytes and the name in a big result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resumeRedisHint } from '../../src/evaluate/redis-connect.ts';
import { parseWorkerInfo, resultCap, workerNameIn } from '../../src/evaluate/redis-protocol.ts';
import { ALIVE_MS, newTally, workerStatuses } from '../../src/evaluate/redis-status.ts';

describe('Redis master status', () => {
  it('the resume command carries --redis, never the password', () => {
    assert.equal(resumeRedisHint('redis://10.0.0.5:6379/2', {}), ' --redis redis://10.0.0.5:6379/2');
    const withSecret = resumeRedisHint('redis://alice:s3cr%2Ft@10.0.0.5:6379/0', {});
    assert.equal(
      withSecret,
      " --redis redis://alice:***@10.0.0.5:6379/0 (this run's --redis URL with its password in place of ***)",
    );
    assert.ok(!withSecret.includes('s3cr'));
    assert.equal(
      resumeRedisHint(undefined, { ESGRAD_REDIS_URL: 'redis://:pw@h:1/0' }),
      ' (with $ESGRAD_REDIS_URL set as now)',
    );
  });

  it('a worker is alive while its heartbeat or its last result is recent', () => {
    const now = Date.parse('2026-01-01T00:00:10Z');
    const info = (lastSeen: string) =>
      JSON.stringify({ version: '1', host: 'h', pid: 7, since: lastSeen, lastSeen });
    const tallies = new Map([['late', { ...newTally(), chunks: 3, lastResultMs: now - 1000 }]]);
    const got = workerStatuses(
      {
        fresh: info(new Date(now - ALIVE_MS + 1).toISOString()),
        stale: info(new Date(now - ALIVE_MS - 1).toISOString()),
        late: info('2025-12-31T00:00:00Z'),
        junk: 'not json',
      },
      tallies,
      now,
    );
    assert.deepEqual(
      got.map((w) => [w.name, w.alive, w.chunks, w.pid]),
      [
        ['fresh', true, 0, 7],
        ['junk', false, 0, 0],
        ['late', true, 3, 7],
        ['stale', false, 0, 7],
      ],
    );
    assert.equal(got.find((w) => w.name === 'late')!.lastSeen, new Date(now - 1000).toISOString());
    assert.equal(parseWorkerInfo('{"host":"h","pid":1.5,"lastSeen":"2026-01-01T00:00:00Z"}'), undefined);
  });

  it("a result's cap fits the longest valid answer, and a big result's worker is named", () => {
    const n = 1000;
    const longest = JSON.stringify({
      run: 'f'.repeat(16),
      v: '0.0.0-some-long-version',
      worker: 'w'.repeat(200),
      round: 2 ** 40,
      chunk: 2 ** 40,
      generation: 2 ** 40,
      ids: Array.from({ length: n }, (_, i) => Number.MAX_SAFE_INTEGER - i),
      rewards: Array.from({ length: n }, (_, i) => -Math.PI * 10 ** (-300 + (i % 7))),
      failures: { count: n, first: 'x'.repeat(500) },
      reclaimed: true,
    });
    assert.ok(longest.length <= resultCap(n), `${longest.length} > ${resultCap(n)}`);
    assert.equal(workerNameIn('{"run":"ab","v":"1","worker":"evil-1","round":1'), 'evil-1');
    assert.equal(workerNameIn('{"run":"ab"'), undefined);
  });
});
