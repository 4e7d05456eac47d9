// Tests of the downloader against a local HTTP server (127.0.0.1, port 0) serving fixture .gz files:
// md5-verified success, cache reuse, corrupted downloads rejected without leftovers, mirror fallback.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDataset } from '../../src/data/datasets.ts';
import { downloadFile, fileUrl } from '../../src/data/download.ts';
import type { FileRole } from '../../src/data/types.ts';
import { FILE_NAMES, makeFixture, makeTempDir, rejectsData, writeFixture } from './fixtures.ts';

const fx = makeFixture();
const tmp = makeTempDir('esgrad-dl-');
const requests: string[] = [];
const byName = new Map<string, FileRole>(
  Object.entries(FILE_NAMES).map(([role, name]) => [name, role as FileRole]),
);

// Routes: /good/<file> the fixture, /missing/* 404, /bad/<file> corrupted bytes,
// /encoded/<file> the fixture's raw IDX content sent with Content-Encoding: gzip.
const server = createServer((req, res) => {
  const url = req.url ?? '';
  requests.push(url);
  const [, route = '', name = ''] = url.split('/');
  const role = byName.get(name);
  if (role === undefined || route === 'missing') {
    res.writeHead(404).end('not found');
  } else if (route === 'good') {
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(fx.gzByRole[role]);
  } else if (route === 'bad') {
    const bytes = fx.gzByRole[role].slice();
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    res.writeHead(200).end(bytes);
  } else if (route === 'encoded') {
    res.writeHead(200, { 'content-encoding': 'gzip' }).end(fx.gzByRole[role]);
  } else {
    res.writeHead(500).end();
  }
});
let base = '';
before(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  tmp.cleanup();
});

let dirCount = 0;
function freshCache(): string {
  return join(tmp.dir, `cache${dirCount++}`);
}

describe('downloading into the cache', () => {
  it('downloads all four files, verifies their md5 and loads them; a second load uses the cache', async () => {
    const cacheDir = freshCache();
    const messages: string[] = [];
    requests.length = 0;
    const ds = await loadDataset(fx.spec, {
      cacheDir,
      baseUrls: [`${base}/good/`],
      env: {},
      onProgress: (m) => messages.push(m),
    });
    assert.equal(ds.source, 'cache');
    assert.equal(ds.dir, join(cacheDir, 'fixture'));
    assert.equal(ds.train.count, 12);
    assert.equal(ds.label, 'Fixture');
    assert.deepEqual(readdirSync(ds.dir).sort(), Object.values(FILE_NAMES).sort());
    assert.equal(requests.length, 4);
    assert.ok(
      messages.some((m) => m.includes('md5 ok')),
      messages.join(' | '),
    );

    requests.length = 0;
    const again = await loadDataset(fx.spec, { cacheDir, baseUrls: [`${base}/good/`], env: {} });
    assert.equal(requests.length, 0);
    assert.deepEqual(again.train.imagesNxHxW, ds.train.imagesNxHxW);
  });

  it('the cache root comes from ESGRAD_CACHE_DIR when no cacheDir is given', async () => {
    const cacheDir = freshCache();
    const ds = await loadDataset(fx.spec, {
      baseUrls: [`${base}/good`],
      env: { ESGRAD_CACHE_DIR: cacheDir },
    });
    assert.equal(ds.dir, join(cacheDir, 'fixture'));
  });

  it('downloads only the missing files', async () => {
    const cacheDir = freshCache();
    mkdirSync(join(cacheDir, 'fixture'), { recursive: true });
    writeFixture(fx, join(cacheDir, 'fixture'), { roles: ['trainImages', 'testImages'] });
    requests.length = 0;
    await loadDataset(fx.spec, { cacheDir, baseUrls: [`${base}/good/`], env: {} });
    assert.deepEqual(requests.sort(), [`/good/${FILE_NAMES.testLabels}`, `/good/${FILE_NAMES.trainLabels}`]);
  });

  it('a 404 falls through to the next mirror', async () => {
    const cacheDir = freshCache();
    requests.length = 0;
    const ds = await loadDataset(fx.spec, {
      cacheDir,
      baseUrls: [`${base}/missing/`, `${base}/good/`],
      env: {},
    });
    assert.equal(ds.test.count, 5);
    assert.equal(requests.filter((r) => r.startsWith('/missing/')).length, 4);
    assert.equal(requests.filter((r) => r.startsWith('/good/')).length, 4);
  });

  it('a corrupted download is rejected with a clear error and leaves no file behind', async () => {
    const cacheDir = freshCache();
    const file = fx.spec.files.trainImages;
    await rejectsData(
      loadDataset(fx.spec, { cacheDir, baseUrls: [`${base}/bad/`], env: {} }),
      `cannot download ${file.name} into ${join(cacheDir, 'fixture')}`,
      `${base}/bad/${file.name}: md5 mismatch (expected ${file.md5}, found `,
    );
    assert.deepEqual(readdirSync(join(cacheDir, 'fixture')), []);
  });

  it('a corrupted mirror falls through to a good one', async () => {
    const dir = join(freshCache(), 'fixture');
    const path = await downloadFile(fx.spec.files.testLabels, dir, {
      baseUrls: [`${base}/bad/`, `${base}/good/`],
    });
    assert.equal(path, join(dir, FILE_NAMES.testLabels));
    assert.deepEqual(readdirSync(dir), [FILE_NAMES.testLabels]);
  });

  it('when every mirror fails, the error lists each one', async () => {
    const dir = join(freshCache(), 'fixture');
    const name = FILE_NAMES.trainLabels;
    await rejectsData(
      downloadFile(fx.spec.files.trainLabels, dir, { baseUrls: [`${base}/missing/`, `${base}/bad/`] }),
      `${base}/missing/${name}: HTTP 404; ${base}/bad/${name}: md5 mismatch`,
      'ESGRAD_DATA_DIR',
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an unreachable server is reported, not thrown raw', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const dir = join(freshCache(), 'fixture');
    await rejectsData(
      downloadFile(fx.spec.files.trainLabels, dir, { baseUrls: [`http://127.0.0.1:${port}/`] }),
      `http://127.0.0.1:${port}/${FILE_NAMES.trainLabels}: fetch failed (ECONNREFUSED)`,
    );
  });

  it('content decoded by fetch (Content-Encoding: gzip) is accepted by its raw md5 and saved without .gz', async () => {
    const dir = join(freshCache(), 'fixture');
    const path = await downloadFile(fx.spec.files.testImages, dir, { baseUrls: [`${base}/encoded/`] });
    assert.equal(path, join(dir, 't10k-images-idx3-ubyte'));
    assert.ok(!existsSync(join(dir, FILE_NAMES.testImages)));
  });

  it('no mirrors at all', async () => {
    await rejectsData(
      downloadFile(fx.spec.files.testImages, freshCache(), { baseUrls: [] }),
      'no download mirror',
    );
  });

  it('fileUrl joins with exactly one slash', () => {
    assert.equal(fileUrl('http://h/a/', 'f.gz'), 'http://h/a/f.gz');
    assert.equal(fileUrl('http://h/a', 'f.gz'), 'http://h/a/f.gz');
  });
});
