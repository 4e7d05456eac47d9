// esgrad train --task: a short cartpole run writes its files and reaches the return its metrics say;
// mistakes (an unknown task, an MNIST-only flag, a misspelt flag, a task file on Redis) are one line with
// exit code 2; with --redis and one `esgrad worker` it trains as locally.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { esgrad, oneLineError } from '../helpers/cli.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker } from '../helpers/worker-process.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-control-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('esgrad train --task cartpole: metrics, policy and summary; the printed return is the last evaluation', () => {
  const out = join(tmp, 'cp');
  const r = esgrad(
    'train',
    '--task',
    'cartpole',
    '--iters',
    '4',
    '--population',
    '20',
    '--hidden',
    '8',
    '--eval-every',
    '2',
    '--eval-episodes',
    '3',
    '--evaluator',
    'local',
    '--quiet',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    records.map((m) => m.iteration),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    records.map((m) => 'evalReturn' in m),
    [false, true, false, true],
  );
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.finalEvalReturn, records[3].evalReturn);
  assert.equal(summary.timesteps, records[3].timesteps);
  const policy = JSON.parse(readFileSync(join(out, 'policy.json'), 'utf8'));
  assert.equal(policy.thetaP.length, 8 * 4 + 8 + 2 * 8 + 2);
  assert.match(r.stdout, new RegExp(`es cartpole: evaluation return ${summary.finalEvalReturn.toFixed(1)} `));
  // config.json runs it again: the same metrics bit for bit (times aside)
  const again = esgrad('train', '--config', join(out, 'config.json'), '--quiet', '--out', join(tmp, 'again'));
  assert.equal(again.code, 0, again.stderr);
  const times = /"(seconds|timestepsPerSecond)":[^,}]*/g;
  assert.equal(
    readFileSync(join(tmp, 'again', 'metrics.jsonl'), 'utf8').replace(times, ''),
    readFileSync(join(out, 'metrics.jsonl'), 'utf8').replace(times, ''),
  );
});

test('esgrad train --task: one-line refusals', () => {
  oneLineError(esgrad('train', '--task', 'cartpol'), /--task: got "cartpol"; did you mean cartpole\?/);
  oneLineError(esgrad('train', '--task', 'pendulum', '--batch', '5'), /--task runs take no --batch/);
  oneLineError(esgrad('train', '--task', 'pendulum', '--sigma', '-1'), /--sigma: got -1/);
  oneLineError(
    esgrad('train', '--task', 'my-task.json', '--redis', 'redis://localhost:1/0'),
    /^esgrad: --task my-task\.json: a task file cannot run on Redis workers \(they build tasks by name: cartpole, .*planar-hopper\); use --evaluator threads or local$/,
  );
  const r = esgrad('train', '--task', 'pendulum', '--episodes-per-ofspring', '2');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /did you mean --episodes-per-offspring/i);
});

test('esgrad train --task cartpole --redis URL with one worker: the metrics of a local run, and its line', async () => {
  const redis = await startRedis();
  const worker = startWorker(redis.url, 'cli');
  try {
    await worker.connected;
    const args = ['--task', 'cartpole', '--iters', '3', '--population', '20', '--hidden', '8', '--quiet'];
    const r = esgrad('train', ...args, '--redis', redis.url, '--out', join(tmp, 'redis'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^es cartpole: evaluation return \d+\.\d \(best .* after 3 iterations, \d+ steps, .*redis\n$/,
    );
    const local = esgrad('train', ...args, '--evaluator', 'local', '--out', join(tmp, 'local'));
    assert.equal(local.code, 0, local.stderr);
    const times = /"(seconds|timestepsPerSecond)":[^,}]*/g;
    assert.equal(
      readFileSync(join(tmp, 'redis', 'metrics.jsonl'), 'utf8').replace(times, ''),
      readFileSync(join(tmp, 'local', 'metrics.jsonl'), 'utf8').replace(times, ''),
    );
    assert.equal(
      readFileSync(join(tmp, 'redis', 'policy.json'), 'utf8'),
      readFileSync(join(tmp, 'local', 'policy.json'), 'utf8'),
    );
    assert.ok(!readFileSync(join(tmp, 'redis', 'config.json'), 'utf8').includes(redis.password));
  } finally {
    assert.equal(await stopWorker(worker), 0, worker.stderr());
    await redis.stop();
  }
  assert.match(worker.stderr(), /worker: run [0-9a-f]{16}: --task cartpole, 58 policy parameters, seed 0/);
});
