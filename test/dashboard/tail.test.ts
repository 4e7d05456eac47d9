// JsonlTail: only appended bytes are read; a half-written last line waits for its newline (also a
// UTF-8 character cut in two); a replaced, truncated or deleted file is noticed; bad lines are counted.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonlTail } from '../../src/dashboard/tail.ts';

const line = (o: object): string => `${JSON.stringify(o)}\n`;

test('tail: appended records only, a half-written line completed later, multi-byte characters cut', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-tail-'));
  try {
    const path = join(dir, 'metrics.jsonl');
    const tail = new JsonlTail(path);
    assert.deepEqual(tail.read(), { reset: false, records: [], badLines: 0, missing: true });
    writeFileSync(path, line({ iter: 1 }) + line({ iter: 2 }));
    assert.deepEqual(
      tail.read().records.map((r) => r.iter),
      [1, 2],
    );
    const half = '{"iter":3,"note":"ρ';
    appendFileSync(path, Buffer.from(half).subarray(0, -1)); // ends inside the two bytes of 'ρ'
    const r3 = tail.read();
    assert.deepEqual(r3.records, []);
    assert.equal(r3.badLines, 0);
    assert.equal(
      tail.bytesRead,
      Buffer.byteLength(line({ iter: 1 }) + line({ iter: 2 })) + Buffer.byteLength(half) - 1,
    );
    appendFileSync(
      path,
      Buffer.concat([Buffer.from(half).subarray(-1), Buffer.from(`"}\n${line({ iter: 4 })}`)]),
    );
    const r4 = tail.read();
    assert.deepEqual(r4.records, [{ iter: 3, note: 'ρ' }, { iter: 4 }]);
    assert.equal(tail.pending, '');
    assert.deepEqual(tail.read().records, []); // nothing new: nothing read twice
    appendFileSync(path, `not json\n[1]\n${line({ iter: 5 })}`);
    const r5 = tail.read();
    assert.deepEqual(r5.records, [{ iter: 5 }]);
    assert.equal(r5.badLines, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tail: a replaced (resumed run), truncated or deleted file starts over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-tail-'));
  try {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, line({ iter: 1 }) + line({ iter: 2 }) + line({ iter: 3 }));
    const tail = new JsonlTail(path);
    assert.equal(tail.read().records.length, 3);
    writeFileSync(join(dir, 'tmp'), line({ iter: 1 }) + line({ iter: 2 })); // as fileReporter does: rename over
    renameSync(join(dir, 'tmp'), path);
    const replaced = tail.read();
    assert.equal(replaced.reset, true);
    assert.deepEqual(
      replaced.records.map((r) => r.iter),
      [1, 2],
    );
    truncateSync(path, 0);
    appendFileSync(path, line({ iter: 9 }));
    const cut = tail.read();
    assert.equal(cut.reset, true);
    assert.deepEqual(cut.records, [{ iter: 9 }]);
    rmSync(path);
    const gone = tail.read();
    assert.equal(gone.missing, true);
    assert.equal(gone.reset, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
