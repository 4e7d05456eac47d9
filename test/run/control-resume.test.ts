// esgrad train --task stopped and continued: SIGTERM (local evaluator), kill -9 after periodic checkpoints
// with a torn last record (threads, resumed on local), a Redis round stopped before any worker came; each
// resumed run writes the metrics, policies and summary of an uninterrupted run. And the refusals.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deserializeCheckpoint } from '../../src/run/checkpoint.ts';
import { BIN, esgrad, oneLineError } from '../helpers/cli.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker } from '../helpers/worker-process.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-control-resume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ITERS = 400;
const RUN = [
  'train',
  '--task',
  'cartpole',
  '--population',
  '20',
  '--hidden',
  '8',
  '--eval-every',
  '7',
  '--eval-episodes',
  '3',
  '--quiet',
];
const FILES = ['metrics.jsonl', 'summary.json', 'policy.json', 'policy-best.json'];

const recordCount = (dir: string): number =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').length - 1
    : 0;

/** A run's file without its wall-clock fields and the evaluator's name (the results do not depend on it). */
const withoutClock = (dir: string, name: string): string =>
  readFileSync(join(dir, name), 'utf8').replace(
    /"(seconds|timestepsPerSecond|evaluator)": ?("[^"]*"|[^,}\n]*)/g,
    '',
  );

function assertSameRun(dir: string, reference: string): void {
  for (const name of FILES)
    assert.equal(withoutClock(dir, name), withoutClock(reference, name), `${name} of ${dir}`);
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly stdout: () => string;
}

function start(args: readonly string[]): Started {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ESGRAD_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stdout: () => out };
}

async function untilRecords(dir: string, count: number, run: Started): Promise<void> {
  while (recordCount(dir) < count && run.child.exitCode === null) await sleep(2);
}

const reference = join(tmp, 'reference');
before(() => {
  const r = esgrad(...RUN, '--iters', String(ITERS), '--evaluator', 'local', '--out', reference);
  assert.equal(r.code, 0, r.stderr);
});

describe('esgrad train --task, stopped and resumed', () => {
  it('SIGTERM: policy.json and a checkpoint of the last iteration, exit 143, one line; --resume finishes the run as if uninterrupted', async () => {
    const dir = join(tmp, 'sigterm');
    const run = start([...RUN, '--iters', String(ITERS), '--evaluator', 'local', '--out', dir]);
    await untilRecords(dir, 5, run);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 143);
    const stopped =
      /^stopped at iteration (\d+) of 400; policy\.json and checkpoint written; continue with: esgrad train --resume (.*)\n$/.exec(
        run.stdout(),
      );
    assert.ok(stopped, run.stdout());
    assert.equal(stopped[2], dir);
    const at = Number(stopped[1]);
    assert.ok(at >= 5 && at < ITERS, `stopped mid-run (${at})`);
    assert.equal(recordCount(dir), at);
    assert.ok(!existsSync(join(dir, 'summary.json')), 'an interrupted run has no summary');
    const c = deserializeCheckpoint(readFileSync(join(dir, 'checkpoint.bin')));
    assert.equal(c.loop.iteration, at);
    assert.equal(
      c.control?.timesteps,
      JSON.parse(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!).timesteps,
    );
    const policy = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8'));
    assert.deepEqual(policy.thetaP, Array.from(c.state.thetaP));

    const resumed = esgrad('train', '--resume', dir, '--quiet');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^es cartpole: .* after 400 iterations/);
    assertSameRun(dir, reference);
    oneLineError(
      esgrad('train', '--resume', dir),
      new RegExp(
        `^esgrad: --resume ${dir}: the run is finished \\(iteration 400 of 400\\); --iters above 400 trains it on$`,
      ),
    );
  });

  it('kill -9 after periodic checkpoints, a torn last record: resumed on another evaluator, the same run; edits refused', async () => {
    const dir = join(tmp, 'killed');
    const run = start([
      ...RUN,
      '--iters',
      String(ITERS),
      '--evaluator',
      'threads',
      '--workers',
      '2',
      '--checkpoint-every',
      '3',
      '--out',
      dir,
    ]);
    await untilRecords(dir, 8, run);
    run.child.kill('SIGKILL');
    await run.exited;
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
    const at = deserializeCheckpoint(readFileSync(join(dir, 'checkpoint.bin'))).loop.iteration;
    assert.ok(at % 3 === 0 && at >= 6 && at <= lines.length, `checkpoint at ${at}, ${lines.length} records`);
    appendFileSync(join(dir, 'metrics.jsonl'), lines.at(-1)!.slice(0, 25)); // the kill cut a record short
    const original = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');

    oneLineError(
      esgrad('train', '--resume', dir, '--sigma', '0.2'),
      /^esgrad: --resume continues the saved run: --sigma cannot be changed \(allowed: --iters, --evaluator, --workers, --threads, --checkpoint-every, --redis\)$/,
    );
    const edited = [...lines];
    edited[1] = edited[1]!.replace(/"timesteps":(\d+)/, (_, n) => `"timesteps":${Number(n) + 1}`);
    writeFileSync(join(dir, 'metrics.jsonl'), `${edited.join('\n')}\n`);
    oneLineError(
      esgrad('train', '--resume', dir),
      /metrics\.jsonl: its first \d+ records differ from those the checkpoint was written after \(edited\?\)/,
    );
    writeFileSync(join(dir, 'metrics.jsonl'), original);

    const resumed = esgrad('train', '--resume', dir, '--evaluator', 'local', '--quiet');
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameRun(dir, reference);
  });

  it('--redis: SIGTERM while a round waits for workers stops it at once; resumed with a worker, the local run', async () => {
    const redis = await startRedis();
    const iters = ['--iters', '12'];
    const local = join(tmp, 'redis-reference');
    assert.equal(esgrad(...RUN, ...iters, '--evaluator', 'local', '--out', local).code, 0);
    const dir = join(tmp, 'redis');
    const run = start([...RUN, ...iters, '--redis', redis.url, '--out', dir]);
    let worker: ReturnType<typeof startWorker> | undefined;
    try {
      while (!existsSync(join(dir, 'config.json')) && run.child.exitCode === null) await sleep(10);
      await sleep(1000); // the first round is published and waits: no worker yet
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 143);
      assert.match(
        run.stdout(),
        /^stopped at iteration 0 of 12; policy\.json and checkpoint written; continue with: esgrad train --resume \S+ --redis .*\n$/,
      );
      worker = startWorker(redis.url, 'resume');
      await worker.connected;
      const resumed = esgrad('train', '--resume', dir, '--redis', redis.url, '--quiet');
      assert.equal(resumed.code, 0, resumed.stderr);
      assertSameRun(dir, local);
    } finally {
      if (worker) assert.equal(await stopWorker(worker), 0, worker.stderr());
      await redis.stop();
    }
  });

  it('--resume of a directory without a run, or of a run that kept no checkpoint: one line', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    oneLineError(
      esgrad('train', '--resume', empty),
      /^esgrad: --resume .*empty: not an esgrad run directory \(none of config\.json, metrics\.jsonl, checkpoint\.bin, summary\.json there\)$/,
    );
    oneLineError(
      esgrad('train', '--resume', reference),
      /^esgrad: --resume .*reference: the run is finished \(summary\.json\) and kept no checkpoint to continue from \(--checkpoint-every k keeps one\)$/,
    );
  });
});
