// The Redis protocol's pure parts: URLs and credentials (from the URL or the environment, never in a
// label), θ framing, reward encoding, and the validation of task and result messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl, redisTarget } from '../../src/evaluate/redis-connect.ts';
import {
  decodeReward,
  decodeTheta,
  encodeReward,
  encodeTheta,
  judgeResult,
  parseChunk,
} from '../../src/evaluate/redis-protocol.ts';

describe('redis URLs and credentials', () => {
  it('labels never carry the password; a password may come from the environment', () => {
    const t = redisTarget('redis://alice:s3cret@db.example:6380/2', {});
    assert.equal(t.label, 'redis://alice@db.example:6380/2');
    assert.equal(t.password, undefined);
    const e = redisTarget(undefined, {
      ESGRAD_REDIS_URL: 'redis://10.0.0.5:6379',
      ESGRAD_REDIS_PASSWORD: 'pw',
    });
    assert.equal(e.label, 'redis://10.0.0.5:6379/0');
    assert.equal(e.password, 'pw');
    assert.equal(
      redactUrl('failed: redis://bob:hunter2@h:1/0 and rediss://:x@h/1'),
      'failed: redis://bob:***@h:1/0 and rediss://***@h/1',
    );
  });

  it('refuses a missing or bad URL with one line that hides the password', () => {
    assert.throws(() => redisTarget(undefined, {}), /no URL: give --redis/);
    assert.throws(() => redisTarget('http://u:pw@h/0', {}), /scheme 'http:' is not allowed/);
    assert.throws(() => redisTarget('redis://h:1/abc', {}), /database 'abc' is not a number/);
    assert.throws(
      () => redisTarget('redis://u:pw@', {}),
      (e: Error) => !e.message.includes('pw'),
    );
  });
});

describe('redis messages', () => {
  it('θ is framed with its round and run; another run or size is not θ', () => {
    const thetaP = Float32Array.from([1, -2.5, 3e-8]);
    const buf = encodeTheta('0123456789abcdef', 7, thetaP);
    assert.equal(buf.length, 16 + 12);
    assert.deepEqual(decodeTheta(buf, '0123456789abcdef', 3), { round: 7, thetaP });
    assert.equal(decodeTheta(buf, 'fedcba9876543210', 3), undefined);
    assert.equal(decodeTheta(buf, '0123456789abcdef', 4), undefined);
    assert.equal(decodeTheta(null, '0123456789abcdef', 3), undefined);
  });

  it('rewards survive JSON bit for bit, -0 and non-finite values included', () => {
    for (const r of [-Math.LN10, 1e-300, -0, NaN, Infinity, -Infinity]) {
      assert.ok(Object.is(decodeReward(JSON.parse(JSON.stringify(encodeReward(r)))), r), String(r));
    }
    assert.equal(decodeReward('1.5'), undefined);
    assert.equal(decodeReward(null), undefined);
  });

  it('task messages must be well formed', () => {
    const ok = { run: 'r', round: 1, chunk: 0, sigma: 0.01, tasks: [[0, 0, 5, 1, -1, -1]] };
    assert.ok(!('bad' in parseChunk(JSON.stringify(ok))));
    assert.ok('bad' in parseChunk('{'));
    assert.ok('bad' in parseChunk(JSON.stringify({ ...ok, tasks: [[0, 0, 5, 2, -1, -1]] })));
    assert.ok('bad' in parseChunk(JSON.stringify({ ...ok, tasks: [[0, 0, -5, 1, -1, -1]] })));
    assert.ok('bad' in parseChunk(JSON.stringify({ ...ok, sigma: 'x' })));
  });

  it('results are judged against the round: ok, stale, malformed or refused', () => {
    const want = {
      run: 'r1',
      version: '1.0.0',
      round: 3,
      chunks: [{ ids: [0, 1], generation: 2 }],
      done: () => false,
    };
    const msg = {
      run: 'r1',
      v: '1.0.0',
      worker: 'w',
      round: 3,
      chunk: 0,
      generation: 2,
      ids: [0, 1],
      rewards: [-1.5, 'NaN'],
    };
    const j = (m: unknown, w = want) => judgeResult(JSON.stringify(m), w);
    const good = j(msg);
    assert.equal(good.kind, 'ok');
    assert.ok(good.kind === 'ok' && good.rewards[0] === -1.5 && Number.isNaN(good.rewards[1]));
    assert.equal(j(msg, { ...want, done: () => true }).kind, 'stale');
    assert.equal(j({ ...msg, round: 2 }).kind, 'stale');
    assert.equal(j({ ...msg, run: 'r0' }).kind, 'stale');
    assert.equal(j({ ...msg, round: 4 }).kind, 'malformed');
    assert.equal(j({ ...msg, rewards: [1] }).kind, 'malformed');
    assert.equal(j({ ...msg, rewards: [1, {}] }).kind, 'malformed');
    assert.equal(j({ ...msg, worker: 5 }).kind, 'malformed');
    assert.equal(judgeResult('x'.repeat(2 << 20), want).kind, 'malformed');
    assert.equal(j({ ...msg, v: '0.9.0' }).kind, 'refused');
  });

  it("a model run's rewards are −loss ≤ 0: a positive one is malformed (an objective's may be anything)", () => {
    const want = {
      run: 'r1',
      version: '1.0.0',
      round: 1,
      chunks: [{ ids: [0, 1], generation: 0 }],
      done: () => false,
    };
    const msg = { run: 'r1', v: '1.0.0', worker: 'w', round: 1, chunk: 0, generation: 0, ids: [0, 1] };
    const j = (rewards: unknown[], maxReward?: number) =>
      judgeResult(
        JSON.stringify({ ...msg, rewards }),
        maxReward === undefined ? want : { ...want, maxReward },
      );
    const bad = j([-0.5, 1e308], 0);
    assert.ok(
      bad.kind === 'malformed' && /reward 1 is 1e\+308, above 0: impossible/.test(bad.why),
      JSON.stringify(bad),
    );
    assert.equal(j([-0.5, 'Infinity'], 0).kind, 'malformed');
    assert.equal(j([-0.5, 0], 0).kind, 'ok', 'a zero loss is possible');
    assert.equal(j([-0.5, 'NaN'], 0).kind, 'ok', 'NaN is counted and dropped later, as before');
    assert.equal(j([-0.5, 1e308]).kind, 'ok', 'an objective may reward anything');
  });
});
