// `esgrad dashboard` as a user runs it: prints its URL on 127.0.0.1, serves, stops on Ctrl-C with exit
// code 0; a bad or busy --port is one line and exit code 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { BIN } from '../helpers/cli.ts';

test('esgrad dashboard: prints its URL, serves the page, stops on Ctrl-C', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-dash-cli-'));
  const child = spawn(process.execPath, [BIN, 'dashboard', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (s: string) => {
        out += s;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before printing its URL: ${out}`)));
    });
    const state = (await (await fetch(`${url}api/state`)).json()) as { notes: string[] };
    assert.match(state.notes.join('\n'), /no esgrad runs or experiments here/);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `esgrad ...args` in this process (no child: fast): its exit code and what it wrote to stderr. */
async function inProcess(...args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const error = console.error;
  console.error = (...parts: unknown[]) => lines.push(parts.join(' '));
  try {
    return { code: await main(['node', 'esgrad', ...args]), stderr: lines.join('\n') };
  } finally {
    console.error = error;
  }
}

test('esgrad dashboard: a bad or busy --port is one line, exit code 2', async () => {
  const outOfRange = await inProcess('dashboard', '--port', '70000');
  assert.deepEqual(outOfRange, {
    code: 2,
    stderr: 'esgrad: --port 70000: an integer from 0 to 65535 is allowed',
  });
  const busy = createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  try {
    const port = (busy.address() as { port: number }).port;
    const r = await inProcess('dashboard', '--port', String(port));
    assert.deepEqual(r, { code: 2, stderr: `esgrad: --port ${port}: already in use` });
  } finally {
    busy.close();
  }
});
