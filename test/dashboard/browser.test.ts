// The dashboard in a real browser (Debian's chromium, headless): DIRs without runs are said so; a short
// real ES run started meanwhile appears, its curves grow live and its status turns finished; workers.json,
// an experiment's figures and a deleted run are shown. Screenshot in test-artifacts/; with
// ESGRAD_DOCS_SCREENSHOT=1 also the README's docs/dashboard.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { fakeExperiment } from '../experiments/fake-experiment.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { launchChromium } from './chromium.ts';

const ROOT = join(import.meta.dirname, '../..');
/** The run's iterations: the first takes seconds (sessions are made), the others a fraction of one. */
const ITERS = 6;
const ARTIFACTS = join(ROOT, 'test-artifacts');

/** A Redis master's workers.json as the master writes it (hand-written here). */
const WORKERS = {
  updated: '2026-11-29T18:00:00.000Z',
  workers: [
    {
      name: 'w1',
      host: 'node-a',
      pid: 101,
      alive: true,
      chunks: 412,
      stale: 3,
      malformed: 0,
      lastSeen: '2026-11-29T18:00:00.000Z',
    },
    {
      name: 'w2',
      host: 'node-b',
      pid: 202,
      alive: false,
      chunks: 97,
      stale: 0,
      malformed: 2,
      lastSeen: '2026-11-29T17:58:10.000Z',
    },
  ],
  skippedFraction: 0.0125,
  bytesPerIteration: 48_640,
};

test('browser: a live run grows its curves and finishes; workers, an experiment, a deleted run', {
  timeout: 120_000,
}, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'esgrad-dash-browser-'));
  const dir = join(tmp, 'runs'),
    other = join(tmp, 'notes'); // not esgrad's
  mkdirSync(dir);
  mkdirSync(other);
  writeFileSync(join(other, 'todo.txt'), 'not a run\n');
  const experiments = join(tmp, 'experiments'); // one appears there once the run has finished
  mkdirSync(experiments);
  const dashboard = await startDashboard({ dirs: [dir, other, experiments] });
  const train = { proc: undefined as ReturnType<typeof spawn> | undefined };
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    const out = join(dir, 'es-cnn-29k');
    train.proc = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/esgrad.js'),
        'train',
        ...['--algo', 'es', '--model', 'cnn-29k', '--population', '60', '--iters', String(ITERS)],
        ...['--evaluator', 'local', '--eval-every', '3', '--eval-subset', '500', '--corr-every', '1'],
        ...['--out', out, '--quiet'],
      ],
      { env: { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    train.proc.stderr?.on('data', (b) => {
      stderr += b;
    });
    const exited = new Promise<number | null>((resolve) => train.proc?.on('exit', resolve));

    browser = await launchChromium(); // while the run starts: its first record comes seconds later
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="1"]');
    assert.match((await page.textContent('#notes')) ?? '', /notes: no esgrad runs or experiments here/);

    const row = '#runs tr[data-id]:not([data-experiment])';
    await page.waitForSelector(`${row}[data-status="running"]`, { timeout: 60_000 });
    const lossPoints = async (): Promise<number> =>
      Number((await page.getAttribute('.chart[data-key="loss"]', 'data-points')) ?? 0);
    await page.waitForFunction(
      () => Number(document.querySelector('.chart[data-key="loss"]')?.getAttribute('data-points')) >= 1,
      undefined,
      { timeout: 60_000 },
    );
    const first = await lossPoints();
    assert.ok(first <= ITERS - 2, `the run was nearly over before the page saw it grow (${first} points)`);
    await page.waitForFunction(
      (n) => Number(document.querySelector('.chart[data-key="loss"]')?.getAttribute('data-points')) >= n,
      first + 2,
      { timeout: 60_000 },
    );
    assert.equal(await exited, 0, stderr);
    await page.waitForSelector(`${row}[data-status="finished"][data-count="${ITERS}"]`, { timeout: 10_000 });
    for (const key of [
      'testAccuracy',
      'loss',
      'corr',
      'gradNorm',
      'offspringPerSecond',
      'secondsPerIteration',
    ])
      assert.ok(Number(await page.getAttribute(`.chart[data-key="${key}"]`, 'data-points')) > 0, key);
    assert.equal(await lossPoints(), ITERS);
    if (process.env.ESGRAD_DOCS_SCREENSHOT === '1') {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.locator('main').screenshot({ path: join(ROOT, 'docs/dashboard.png') }); // the README's
    }
    await page.check('input[name=x][value=seconds]'); // against wall-clock time: the same points
    await page.waitForSelector('.chart[data-key="loss"] .u-axis');
    assert.equal(await lossPoints(), ITERS);

    writeFileSync(join(out, 'workers.json'), JSON.stringify(WORKERS));
    await page.waitForSelector('.workers-view');
    const workers = (await page.textContent('.workers-view')) ?? '';
    assert.match(workers, /1 alive of 2/);
    assert.match(workers, /node-b.*202.*no.*97.*0.*2/s);
    assert.match(workers, /skipped fraction 1\.25%, 47\.5 KiB per iteration/);

    appendFileSync(join(out, 'metrics.jsonl'), '{"iter":7,"loss":2.'); // as a run killed while writing leaves it
    await page.waitForSelector('.run-details .problem:has-text("half-written line")');
    assert.equal(await lossPoints(), ITERS);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-browser.png') });
    // the experiment: esgrad report's Vega-Lite figures drawn by vega-embed
    const fake = fakeExperiment('fig1', 2);
    cpSync(fake, join(experiments, 'fig1'), { recursive: true });
    rmSync(dirname(fake), { recursive: true, force: true }); // fakeExperiment's own temporary folder
    await page.click('#experiments li');
    await page.waitForSelector('.experiment-view[data-figures]');
    const figures = Number(await page.getAttribute('.experiment-view', 'data-figures'));
    assert.ok(figures > 0);
    assert.equal(await page.$$eval('.experiment-view .figure svg.marks', (svgs) => svgs.length), figures);
    assert.match((await page.textContent('.experiment-view table')) ?? '', /paper/);

    rmSync(out, { recursive: true, force: true });
    await page.waitForFunction(() =>
      /no longer there/.test(document.querySelector('#notes')?.textContent ?? ''),
    );
    assert.equal(await page.$$eval(row, (rows) => rows.length), 0);
    assert.deepEqual(pageErrors, []);
  } finally {
    train.proc?.kill();
    await browser?.close();
    await dashboard.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
