// A throwaway redis-server for tests: 127.0.0.1, a random free port, a random password (in a 0600
// config file, not on the command line), no persistence; stopped (and killed on exit) by the test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  readonly port: number;
  readonly password: string;
  /** redis://:password@127.0.0.1:port/0 */
  readonly url: string;
  /** Kills the server (as an outage would) and starts an empty one on the same port after `downMs`. */
  restart(downMs: number): Promise<void>;
  /** Kills the server (an outage until `up`). */
  down(): Promise<void>;
  /** Starts an empty server on the same port again. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export const hasRedisServer = (): boolean =>
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers AUTH + PING with +OK / +PONG. */
async function waitReady(port: number, password: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      let buf = '';
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(false));
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('+PONG') || buf.includes('-')) {
          s.destroy();
          resolve(buf.includes('+PONG'));
        }
      });
      s.connect(port, '127.0.0.1', () => s.write(`AUTH ${password}\r\nPING\r\n`));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not become ready`);
}

export async function startRedis(): Promise<TestRedis> {
  if (!hasRedisServer())
    throw new Error(
      'redis-server is not installed: apt-get install redis-server (npm test installs it as root)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-redis-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `requirepass ${password}`,
      'save ""',
      'appendonly no',
      'protected-mode yes',
      'daemonize no',
      'loglevel warning',
      `dir ${dir}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  let child: ChildProcess | undefined;
  const killNow = (): void => void child?.kill('SIGKILL');
  const launch = async (): Promise<void> => {
    child = spawn('redis-server', [conf], { stdio: 'ignore' });
    await waitReady(port, password);
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  process.on('exit', killNow);
  await launch();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    async restart(downMs) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    down: halt,
    up: launch,
    async stop() {
      await halt();
      process.off('exit', killNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
