// `esgrad worker` child processes for tests: start one, wait until it has connected (its signal handlers
// are installed by then, so SIGTERM stops it cleanly), and stop it with SIGTERM (SIGKILL after 5 s).
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from './cli.ts';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Resolves once the worker printed that it connected to Redis; rejects if it exits first. */
  readonly connected: Promise<void>;
}

export function startWorker(
  url: string,
  name: string,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--name', name, ...extra], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const connected = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes(`worker ${name}: connected to`)) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`worker ${name} exited (${code}) before connecting:\n${err}`)),
    );
  });
  connected.catch(() => {}); // callers that never wait for it must not see an unhandled rejection
  return { child, stderr: () => err, exited, connected };
}

/** SIGTERM once it has connected (SIGKILL after 5 s); resolves with its exit code. */
export async function stopWorker(w: WorkerProcess): Promise<number | null> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return w.child.exitCode;
  await w.connected.catch(() => {});
  w.child.kill('SIGTERM');
  const t = setTimeout(() => w.child.kill('SIGKILL'), 5000);
  const code = await w.exited;
  clearTimeout(t);
  return code;
}
