// The dashboard's load time for 20 runs of 2,000 iterations (synthetic metrics.jsonl shaped like an ES
// run's records) in headless Debian chromium, and the delay from an appended line to the page's curve.
// node --import tsx bench/dashboard-load.ts
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard } from '../src/dashboard/server.ts';
import { launchChromium } from '../test/dashboard/chromium.ts';

const RUNS = 20,
  ITERS = 2000,
  EVAL_EVERY = 10,
  REPEATS = 5,
  LIVE_REPEATS = 10;

/** One record as an ES run with --corr-every 1 writes it (same fields, plausible values). */
function record(run: number, t: number): Record<string, number> {
  const loss = 2.3 * Math.exp(-t / 700) + 0.2 + 0.05 * Math.sin(t * 0.37 + run);
  const r: Record<string, number> = {
    iter: t,
    loss,
    rewardMean: -loss,
    rewardMax: -loss + 0.03,
    rewardMin: -loss - 0.03,
    gradNorm: 120 - t / 40 + 5 * Math.cos(t + run),
    badRewards: 0,
    evaluationsUsed: 10_000,
    corr: 0.04 + 0.005 * Math.sin(t / 13 + run),
    cosine: 0.04,
    trueGradNorm: 4.5,
  };
  if (t % EVAL_EVERY === 0) {
    r.testLoss = loss;
    r.testAccuracy = 0.97 - 0.85 * Math.exp(-t / 400) - 0.001 * run;
  }
  r.seconds = t * (1.8 + 0.01 * run);
  return r;
}

function writeRuns(root: string): string[] {
  const dirs: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = join(root, `es-cnn-29k-s${i}`);
    mkdirSync(dir, { recursive: true });
    const config = {
      algo: 'es',
      model: 'cnn-29k',
      dataset: 'mnist',
      seed: i,
      iters: ITERS,
      population: 10_000,
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({ esgrad: '0.1.0', model: 'cnn-29k', params: 28938, dataset: 'MNIST (22,699 train)' }),
    );
    const now = new Date().toISOString();
    // running (this process): the page draws every running run
    writeFileSync(
      join(dir, 'status.json'),
      JSON.stringify({
        state: 'running',
        pid: process.pid,
        host: hostname(),
        startedAt: now,
        updatedAt: now,
      }),
    );
    const lines: string[] = [];
    for (let t = 1; t <= ITERS; t++) lines.push(JSON.stringify(record(i, t)));
    writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
    dirs.push(dir);
  }
  return dirs;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = mkdtempSync(join(tmpdir(), 'esgrad-dash-load-'));
try {
  const dirs = writeRuns(root);
  const t0 = performance.now();
  const dashboard = await startDashboard({ dirs: [root] });
  const serverMs = performance.now() - t0;
  const browser = await launchChromium();
  try {
    const loads: number[] = [],
      firstDraws: number[] = [],
      inPage: number[] = [],
      fetched: number[] = [];
    const points = RUNS * ITERS;
    let page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    for (let k = 0; k < REPEATS; k++) {
      if (k > 0) {
        await page.close();
        page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      }
      const start = performance.now();
      await page.goto(dashboard.url);
      await page.waitForFunction(
        (n) => Number(document.querySelector('.chart[data-key="loss"]')?.getAttribute('data-points')) === n,
        points,
        { timeout: 120_000, polling: 'raf' },
      );
      loads.push(performance.now() - start);
      firstDraws.push(Number(await page.getAttribute('body', 'data-draw-ms')));
      inPage.push(await page.evaluate(() => Number(document.body.dataset.drawnAt) - performance.timeOrigin));
      fetched.push(
        await page.evaluate(() =>
          Math.max(
            ...performance
              .getEntriesByType('resource')
              .filter((e) => e.name.includes('/metrics'))
              .map((e) => (e as PerformanceResourceTiming).responseEnd),
          ),
        ),
      );
    }
    const lives: number[] = [],
      polled: number[] = [],
      draws: number[] = [];
    for (let k = 0; k < LIVE_REPEATS; k++) {
      const before = points + k;
      const start = performance.now(),
        appendedAt = Date.now();
      appendFileSync(join(dirs[0]!, 'metrics.jsonl'), `${JSON.stringify(record(0, ITERS + k + 1))}\n`);
      await page.waitForFunction(
        (n) => Number(document.querySelector('.chart[data-key="loss"]')?.getAttribute('data-points')) === n,
        before + 1,
        { timeout: 10_000, polling: 'raf' },
      );
      polled.push(performance.now() - start);
      lives.push(Number(await page.getAttribute('body', 'data-drawn-at')) - appendedAt);
      draws.push(Number(await page.getAttribute('body', 'data-draw-ms')));
    }
    console.log(
      `${RUNS} runs × ${ITERS} iterations (${points.toLocaleString('en-US')} records, every run drawn in 6 charts)`,
    );
    console.log(`server start (scan + read every metrics.jsonl): ${serverMs.toFixed(0)} ms`);
    console.log(
      `page load to every curve drawn: median ${median(loads).toFixed(0)} ms over ${REPEATS} loads (${loads.map((x) => x.toFixed(0)).join(', ')})`,
    );
    console.log(
      `  in the page's own clock, navigation to the last curve drawn: median ${median(inPage).toFixed(0)} ms`,
    );
    console.log(
      `  of which the curves fetched (every /api/runs/*/metrics answered): median ${median(fetched).toFixed(0)} ms after navigation`,
    );
    console.log(
      `  of which the first drawing (6 charts of 20 curves, details): median ${median(firstDraws).toFixed(0)} ms`,
    );
    console.log(
      `the page's redraw after a record (20 runs, 6 charts): median ${median(draws).toFixed(0)} ms`,
    );
    console.log(
      `appended line to the curve drawn on the page: median ${median(lives).toFixed(0)} ms, max ${Math.max(...lives).toFixed(0)} ms over ${LIVE_REPEATS} (seen by playwright's polling: median ${median(polled).toFixed(0)} ms)`,
    );
  } finally {
    await browser.close();
    await dashboard.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
