// The dashboard's server over HTTP: binds 127.0.0.1; serves only its fixed files (path traversal
// refused); says what is wrong with DIRs; sends appended records live (a half-written line only once
// complete); notices a deleted run and keeps serving; shows workers.json; experiments as `esgrad report`.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get, type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageDir } from '../../src/dashboard/assets.ts';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.ts';
import { loadExperiment } from '../../src/experiments/load.ts';
import { getPreset } from '../../src/experiments/presets.ts';
import { fakeExperiment } from '../experiments/fake-experiment.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-dash-server-'));
const runs = join(tmp, 'runs'),
  empty = join(tmp, 'empty'),
  other = join(tmp, 'other'),
  missing = join(tmp, 'missing');
const experiment = fakeExperiment('fig1', 2);
let dash: Dashboard;

// biome-ignore lint/suspicious/noExplicitAny: the server's JSON, read field by field in assertions
type Json = any;

const line = (o: object): string => `${JSON.stringify(o)}\n`;
function writeRun(dir: string, records: object[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ algo: 'es', model: 'cnn-29k', seed: 3, population: 100 }),
  );
  writeFileSync(join(dir, 'metrics.jsonl'), records.map(line).join(''));
}

/** GET `path` exactly as written (no normalisation by a URL parser). */
function raw(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(dash.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const getJson = async (path: string): Promise<Json> => JSON.parse((await raw(path)).body);

/** Server-sent events as they arrive: `next(type, pred)` resolves with the first matching event. */
function events(): { next: (type: string, pred?: (d: Json) => boolean) => Promise<Json>; close: () => void } {
  const queue: { type: string; data: Json }[] = [];
  const waiting: { type: string; pred: (d: Json) => boolean; resolve: (d: Json) => void }[] = [];
  let res: IncomingMessage | undefined;
  const req = get(`${dash.url}api/events`, (r) => {
    res = r;
    let buf = '';
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      buf += chunk;
      let end = buf.indexOf('\n\n');
      for (; end >= 0; end = buf.indexOf('\n\n')) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1],
          data = /^data: (.*)$/m.exec(block)?.[1];
        if (!type || data === undefined) continue;
        const ev = { type, data: JSON.parse(data) };
        const w = waiting.findIndex((x) => x.type === ev.type && x.pred(ev.data));
        if (w >= 0) waiting.splice(w, 1)[0]!.resolve(ev.data);
        else queue.push(ev);
      }
    });
  });
  return {
    next: (type, pred = () => true) => {
      const i = queue.findIndex((x) => x.type === type && pred(x.data));
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!.data);
      return new Promise((resolve) => waiting.push({ type, pred, resolve }));
    },
    close: () => {
      res?.destroy();
      req.destroy();
    },
  };
}

before(async () => {
  writeRun(join(runs, 'a'), [{ iter: 1, loss: 2, seconds: 1 }]);
  writeRun(join(runs, 'b'), []);
  writeFileSync(join(runs, 'b', 'config.json'), JSON.stringify({ algo: 'sgd', seed: 1, population: 10_000 }));
  mkdirSync(empty);
  mkdirSync(other);
  writeFileSync(join(other, 'notes.txt'), 'not a run');
  dash = await startDashboard({ dirs: [runs, empty, other, missing, experiment] });
});
after(async () => {
  await dash.close();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dirname(experiment), { recursive: true, force: true }); // fakeExperiment's own temporary folder
});

test('server: binds 127.0.0.1 on a free port; the page and its libraries from node_modules', async () => {
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.match((await raw('/')).body, /<script type="module" src="\/app.js">/);
  const uplot = await raw('/vendor/uPlot.esm.js');
  assert.equal(uplot.body, readFileSync(join(packageDir('uplot'), 'dist/uPlot.esm.js'), 'utf8'));
  assert.equal((await raw('/vendor/vega-embed.min.js')).status, 200);
});

test('server: path traversal, unknown paths, other methods and other Host names are refused', async () => {
  const secret = readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8');
  for (const path of [
    '/../package.json',
    '/vendor/../../package.json',
    '/vendor/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/vendor/%2e%2e%2f%2e%2e%2fpackage.json',
    '/api/runs/../../../../etc/passwd/metrics',
    `/api/runs/${encodeURIComponent(join(runs, 'a'))}/metrics`,
    '//etc/passwd',
    '/vendor/uplot/package.json',
    '/app.js%00.html',
  ]) {
    const r = await raw(path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.body.includes('"name": "esgrad"') && !r.body.includes('root:'), path);
    assert.ok(!secret.includes(r.body), path);
  }
  const url = new URL(dash.url);
  const hostStatus = (host: string) =>
    new Promise<number>((resolve) => {
      request({ host: url.hostname, port: url.port, path: '/api/state', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
  assert.equal(await hostStatus(`evil.example:${url.port}`), 403); // DNS rebinding: another name for 127.0.0.1
  assert.equal(await hostStatus(`localhost:${url.port}`), 200);
  assert.equal(await hostStatus(`127.0.0.1:${url.port}`), 200);
  const post = await new Promise<number>((resolve) => {
    request({ host: url.hostname, port: url.port, path: '/api/state', method: 'POST' }, (res) =>
      resolve(res.statusCode ?? 0),
    ).end();
  });
  assert.equal(post, 405);
});

test("server: DIRs that are empty, not esgrad's or missing are said so; runs and experiments listed", async () => {
  const state = await getJson('/api/state');
  const notes = state.notes.join('\n');
  assert.match(notes, /empty: no esgrad runs or experiments here/);
  assert.match(notes, /other: no esgrad runs or experiments here/);
  assert.match(notes, /missing: no such directory/);
  const a = state.runs.find((r: Json) => r.name === 'runs/a');
  assert.equal(a.modifiedMs, statSync(join(runs, 'a', 'metrics.jsonl')).mtimeMs); // the page ticks the newest
  assert.deepEqual([a.count, a.info.settings.seed, a.info.settings.population], [1, 3, 100]);
  const b = state.runs.find((r: Json) => r.name === 'runs/b');
  assert.deepEqual(b.info.settings, { algo: 'sgd', seed: 1 }); // no ES setting for an SGD run
  assert.equal(state.experiments.length, 1);
  assert.equal(state.runs.filter((r: Json) => r.experimentId === state.experiments[0].id).length, 4);
});

test('server: records live over server-sent events, a half-written line once complete; a deleted run', async () => {
  const dir = join(runs, 'live');
  writeRun(dir, [{ iter: 1, loss: 3, seconds: 1 }]);
  const sse = events();
  try {
    const added = await sse.next('state');
    assert.ok(added);
    const id = (await getJson('/api/state')).runs.find((r: Json) => r.name === 'runs/live').id;
    assert.deepEqual((await getJson(`/api/runs/${id}/metrics`)).columns.loss, [3]);
    appendFileSync(join(dir, 'metrics.jsonl'), '{"iter":2,"loss":2.5,"sec');
    appendFileSync(join(dir, 'metrics.jsonl'), 'onds":2}\n{"iter":3,"lo');
    const m2 = await sse.next('metrics', (d) => d.id === id && d.from === 1);
    assert.deepEqual([m2.from, m2.columns.loss, m2.columns.secondsPerIteration], [1, [2.5], [1]]);
    const partial = await getJson(`/api/runs/${id}/metrics`);
    assert.equal(partial.count, 2); // the half-written record is not counted yet
    const pending = (await getJson('/api/state')).runs.find((r: Json) => r.id === id);
    assert.deepEqual([pending.count, pending.pendingBytes], [2, '{"iter":3,"lo'.length]);
    appendFileSync(join(dir, 'metrics.jsonl'), 'ss":2,"seconds":4}\n');
    const m3 = await sse.next('metrics', (d) => d.id === id && d.from === 2);
    assert.deepEqual([m3.columns.iter, m3.columns.loss, m3.columns.secondsPerIteration], [[3], [2], [2]]);

    writeFileSync(join(dir, 'workers.json'), JSON.stringify({ updated: 'x', workers: [] }));
    const bad = await sse.next('run', (d) => d.id === id && d.info.problems.length > 0);
    assert.match(bad.info.problems[0], /workers.json: unexpected shape/);
    const workers = {
      updated: '2026-11-29T18:00:00Z',
      workers: [
        { name: 'w', host: 'h', pid: 1, alive: true, chunks: 5, stale: 1, malformed: 0, lastSeen: 'now' },
      ],
      skippedFraction: 0.5,
      bytesPerIteration: 1024,
    };
    writeFileSync(join(dir, 'workers.json'), JSON.stringify(workers));
    const shown = await sse.next('run', (d) => d.id === id && d.info.workers !== undefined);
    assert.deepEqual(shown.info.workers, workers);

    rmSync(dir, { recursive: true, force: true });
    await sse.next('state');
    const state = await getJson('/api/state');
    assert.equal(
      state.runs.find((r: Json) => r.id === id),
      undefined,
    );
    assert.equal((await raw(`/api/runs/${id}/metrics`)).status, 404);
    assert.equal((await raw('/')).status, 200); // still serving
  } finally {
    sse.close();
  }
});

test('server: an experiment is shown with the figures and key numbers of `esgrad report`', async () => {
  const state = await getJson('/api/state');
  const view = await getJson(`/api/experiments/${state.experiments[0].id}`);
  const section = getPreset('fig1').report(loadExperiment(experiment));
  assert.deepEqual(view.figures, JSON.parse(JSON.stringify(section.figures)));
  assert.deepEqual(view.key, section.key);
  assert.ok(view.figures.length > 0);
  assert.equal(view.runsFinished, 4);
});
