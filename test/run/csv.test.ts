// metrics.csv: read back by a CSV parser of the tests (RFC 4180) and, when Python is installed, by
// its csv module; columns are the union of keys in first-seen order, cells empty where a value is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { csvReporter } from '../../src/run/csv.ts';
import type { Metrics } from '../../src/types.ts';
import { parseCsv } from './readers.ts';

/** What a cell should hold for a value (the JSON text of a finite number, nothing for null). */
const expected = (v: unknown): string =>
  v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);

function checkTable(path: string, records: readonly Metrics[]): string[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const keys: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  assert.deepEqual(header, keys);
  assert.equal(rows.length, records.length);
  rows.forEach((row, i) => {
    assert.equal(row.length, keys.length, `row ${i + 1} has every column`);
    assert.deepEqual(
      row,
      keys.map((k) => expected(records[i]![k])),
    );
  });
  return header!;
}

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-csv-'));
const theta = new Float32Array(1);
const records: Metrics[] = [
  { iter: 1, loss: 2.5, seconds: 0.1 },
  { iter: 2, loss: 2.25, seconds: 0.2, corr: 0.0375 },
  { iter: 3, loss: 1e-7, seconds: 0.3, testAccuracy: 0.5, testLoss: 1.5 },
  { iter: 4, loss: Number.NaN, seconds: 0.4, corr: null, note: 'a, "quoted"\nline' },
  { iter: 5, loss: 2, seconds: 0.5, flag: true },
];

describe('csvReporter', () => {
  it('writes a header of every key in first-seen order and a full row per record', () => {
    const path = join(tmp, 'metrics.csv');
    const r = csvReporter(path);
    for (const m of records) r.onIteration(m, theta);
    r.sync?.();
    assert.deepEqual(checkTable(path, records).slice(0, 6), [
      'iter',
      'loss',
      'seconds',
      'corr',
      'testAccuracy',
      'testLoss',
    ]);
  });

  it('starts from a resumed run’s records and continues after them', () => {
    const path = join(tmp, 'resumed.csv');
    const r = csvReporter(path, records.slice(0, 3));
    checkTable(path, records.slice(0, 3));
    for (const m of records.slice(3)) r.onIteration(m, theta);
    checkTable(path, records);
  });

  it('is read the same by Python’s csv module (when Python is installed)', (t) => {
    const path = join(tmp, 'metrics.csv');
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))',
        path,
      ],
      { encoding: 'utf8' },
    );
    if (py.error || py.status !== 0) return t.skip('no python3');
    assert.deepEqual(JSON.parse(py.stdout), parseCsv(readFileSync(path, 'utf8')));
  });
});
