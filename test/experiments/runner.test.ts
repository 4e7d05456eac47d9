// The experiment runner and report end to end at smoke scale: a run killed midway continues with the
// same command without redoing finished seeds; report.md carries figures, tables, tests and the data label.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readComputeSeconds } from '../../src/experiments/compute-time.ts';
import { writeReport } from '../../src/experiments/report.ts';
import { runExperiment } from '../../src/experiments/runner.ts';
import { BIN } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-exp-'));

/** `esgrad experiment fig2 --scale smoke` on `seeds` seeds into `out`, its stdout collected. */
function startFig2(out: string, seeds: number) {
  const args = ['experiment', 'fig2', '--scale', 'smoke', '--seeds', String(seeds), '--out', out];
  const child = spawn(process.execPath, [BIN, ...args, '--quiet', '--no-report', '--data-dir', MNIST_DIR], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stdout: () => stdout };
}

/** Starts the CLI on fig2 (smoke, 2 seeds) and kills it as soon as the first run's summary exists. */
async function interruptedFig2(out: string): Promise<void> {
  const { child, exited } = startFig2(out, 2);
  const first = join(out, 'runs', 'es-s0', 'summary.json');
  for (let i = 0; i < 1200 && !existsSync(first); i++) await sleep(25);
  child.kill('SIGKILL');
  await exited;
}

describe('experiment runner (fig2, smoke)', () => {
  const out = join(tmp, 'fig2');

  it('an interrupted experiment continues where it stopped when rerun', async () => {
    await interruptedFig2(out);
    const first = join(out, 'runs', 'es-s0', 'summary.json');
    assert.ok(existsSync(first), 'the first run finished before the kill');
    assert.ok(!existsSync(join(out, 'runs', 'proxy-s1', 'summary.json')), 'the experiment was interrupted');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.experiment, 'fig2');
    assert.equal(manifest.scale, 'smoke');
    assert.equal(manifest.dataset, 'MNIST (22,699 train)');
    assert.match(manifest.gitCommit, /^([0-9a-f]{40}(\+dirty)?|unknown)$/);
    assert.ok(manifest.machine.cpus >= 1 && manifest.packageVersion);
    const before = statSync(first).mtimeMs;
    const r = await runExperiment('fig2', { scale: 'smoke', seeds: 2, out, dataDir: MNIST_DIR });
    assert.ok(r.skipped.includes('es-s0'), `finished seeds are skipped: ${r.skipped}`);
    assert.ok(r.ran.length >= 1 && r.ran.every((id) => !r.skipped.includes(id)));
    assert.deepEqual([...r.ran, ...r.skipped].sort(), ['es-s0', 'es-s1', 'proxy-s0', 'proxy-s1']);
    assert.equal(statSync(first).mtimeMs, before, 'a finished run is not redone');
    for (const id of ['es-s0', 'es-s1', 'proxy-s0', 'proxy-s1'])
      assert.ok(existsSync(join(out, 'runs', id, 'summary.json')), id);
    // The proxy targets the ES run's measured mean correlation (same seed).
    const es = JSON.parse(readFileSync(join(out, 'runs', 'es-s1', 'summary.json'), 'utf8'));
    const proxy = JSON.parse(readFileSync(join(out, 'runs', 'proxy-s1', 'config.json'), 'utf8'));
    assert.equal(proxy.targetCorr, es.meanCorr);
  });

  it('a training run stopped by SIGTERM continues from its checkpoint when rerun', async () => {
    const dir = join(tmp, 'fig2-sigterm');
    const { child, exited, stdout } = startFig2(dir, 1);
    const metrics = join(dir, 'runs', 'es-s0', 'metrics.jsonl');
    const lines = () => (existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').length - 1 : 0);
    for (let i = 0; i < 2400 && lines() < 3; i++) await sleep(25);
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.match(stdout(), /fig2 \(smoke\): stopped with 0 runs finished; continue with the same command/);
    const stoppedAt = lines();
    assert.ok(stoppedAt >= 3 && stoppedAt < 20, `stopped mid-run (${stoppedAt} records)`);
    assert.ok(existsSync(join(dir, 'runs', 'es-s0', 'checkpoint.bin')));
    const firstSitting = readComputeSeconds(dir)['es-s0']!;
    assert.ok(firstSitting > 0, 'the stopped sitting recorded its time');
    const logs: string[] = [];
    await runExperiment('fig2', {
      scale: 'smoke',
      seeds: 1,
      out: dir,
      dataDir: MNIST_DIR,
      log: (m) => logs.push(m),
    });
    assert.ok(
      logs.some((l) => /es-s0 \(ES, seed 0\): unfinished before, continuing from its checkpoint/.test(l)),
      logs.join('\n'),
    );
    assert.ok(readComputeSeconds(dir)['es-s0']! > firstSitting, 'the second sitting adds its time');
    const report = readFileSync((await writeReport(dir)).path, 'utf8');
    assert.match(report, /\*\*Compute\*\*[\s\S]*\| es-s0 \| \d+\.\d s \|[\s\S]*\| all \|/);
    // The same records as the uninterrupted es-s0 of the first test (same preset, scale and seed).
    const withoutClock = (path: string) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.replace(/"seconds":[^,}]*/, ''));
    assert.deepEqual(withoutClock(metrics), withoutClock(join(out, 'runs', 'es-s0', 'metrics.jsonl')));
  });

  it('a run without summary (killed mid-run) is run again; the others are not', async () => {
    const victim = join(out, 'runs', 'proxy-s0', 'summary.json');
    const expected = readFileSync(join(out, 'runs', 'proxy-s0', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/"seconds":[^,}]*/, ''));
    rmSync(victim);
    const r = await runExperiment('fig2', { scale: 'smoke', seeds: 2, out, dataDir: MNIST_DIR });
    assert.deepEqual(r.ran, ['proxy-s0']);
    const again = readFileSync(join(out, 'runs', 'proxy-s0', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/"seconds":[^,}]*/, ''));
    assert.deepEqual(again, expected, 'the rerun gives the same metrics');
  });

  it('--jobs 2: runs side by side, the proxy waiting for the ES run it takes its target from', async () => {
    const dir = join(tmp, 'fig2-jobs');
    const r = await runExperiment('fig2', {
      scale: 'smoke',
      seeds: 1,
      out: dir,
      dataDir: MNIST_DIR,
      jobs: 2,
    });
    assert.deepEqual([...r.ran].sort(), ['es-s0', 'proxy-s0']);
    const same = (id: string, file: string): string =>
      readFileSync(join(dir, 'runs', id, file), 'utf8').replace(/"seconds":[^,}\n]*/g, '');
    assert.equal(
      same('es-s0', 'metrics.jsonl'),
      readFileSync(join(out, 'runs', 'es-s0', 'metrics.jsonl'), 'utf8').replace(/"seconds":[^,}\n]*/g, ''),
      'same seed, same metrics, whatever the threads',
    );
    const json = (id: string, file: string): Record<string, unknown> =>
      JSON.parse(readFileSync(join(dir, 'runs', id, file), 'utf8'));
    assert.equal(json('proxy-s0', 'config.json').targetCorr, json('es-s0', 'summary.json').meanCorr);
  });

  it('refuses to mix a different preset or scale into the directory', async () => {
    await assert.rejects(
      runExperiment('fig1', { scale: 'smoke', seeds: 1, out, dataDir: MNIST_DIR }),
      /holds the fig2 experiment/,
    );
    await assert.rejects(
      runExperiment('fig2', { scale: 'small', seeds: 1, out, dataDir: MNIST_DIR }),
      /at scale smoke/,
    );
  });

  it('report: figure 2 as SVG and PNG, the tables beside the paper, the paired Wilcoxon test', async () => {
    const w = await writeReport(out);
    const md = readFileSync(w.path, 'utf8');
    assert.match(md, /MNIST \(22,699 train\)/);
    assert.match(md, /!\[.*\]\(figures\/fig2\.png\)/);
    assert.match(md, /\| ES \| 2 \| 200 \| \d+\.\d\d% ± \d+\.\d\d% \|/);
    assert.match(md, /96\.99%/);
    assert.match(md, /Wilcoxon signed-rank \(paired, two-sided\), exact/);
    const png = readFileSync(join(out, 'figures', 'fig2.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `a real picture, ${png.length} bytes`);
    const svg = readFileSync(join(out, 'figures', 'fig2.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /inset A/);
    assert.match(svg, /ES proxy/);
  });
});
