// Connecting to Redis for the master and its workers: credentials from the URL or the environment
// only (never logged), one clear line when Redis is unreachable, and reconnection with backoff.
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../types.ts';

/** Where Redis is: the URL to connect to, a password from the environment, and a printable label. */
export interface RedisTarget {
  readonly url: string;
  readonly password?: string;
  /** The URL without credentials: the only form ever printed. */
  readonly label: string;
}

/** A URL with its password (and any other userinfo secret) replaced by ***. */
export function redactUrl(text: string): string {
  return text.replace(/(rediss?:\/\/)([^@/\s]*)@/g, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.includes(':') ? userinfo.slice(0, userinfo.indexOf(':')) : userinfo;
    return `${scheme}${user ? `${user}:` : ''}***@`;
  });
}

/**
 * A URL for an error message: everything between `scheme://` and the last `@` (the userinfo, which
 * may hold a password with '/' or '@' in it) becomes user:*** (or *** when even the user is unclear).
 */
function printableUrl(raw: string): string {
  const start = raw.indexOf('://');
  const at = raw.lastIndexOf('@');
  if (start < 0 || at < start) return raw;
  const userinfo = raw.slice(start + 3, at);
  const user = userinfo.includes(':') ? userinfo.slice(0, userinfo.indexOf(':')) : '';
  const shown = user && !/[/?#%]/.test(user) ? `${user}:***` : '***';
  return `${raw.slice(0, start + 3)}${shown}${raw.slice(at)}`;
}

const URL_FORM = 'redis://[user:password@]host:port/db';

/**
 * The target of `--redis URL` (else $ESGRAD_REDIS_URL): redis[s]://[user:password@]host[:port][/db].
 * A password not in the URL may come from $ESGRAD_REDIS_PASSWORD. In the user name and password, '/',
 * '?', '#' and '@' must be percent-encoded (%2F, %3F, %23, %40), and a '%' not followed by two hex
 * digits is refused (write % as %25) rather than guessed at. Errors name where the URL came from and
 * never show the password.
 */
export function redisTarget(
  url: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): RedisTarget {
  const raw = url ?? env.ESGRAD_REDIS_URL;
  const source = url !== undefined ? '--redis' : '$ESGRAD_REDIS_URL';
  if (!raw) throw new UsageError(`redis: no URL: give --redis ${URL_FORM} or set ESGRAD_REDIS_URL`);
  const shown = printableUrl(raw);
  const afterScheme = raw.indexOf('://') + 3;
  const at = raw.lastIndexOf('@');
  if (afterScheme > 2 && at > afterScheme) {
    const userinfo = raw.slice(afterScheme, at);
    if (/[/?#@]/.test(userinfo))
      throw new UsageError(
        `${source}: '${shown}': the user name or password contains '/', '?', '#' or '@'; ` +
          'percent-encode them (%2F, %3F, %23, %40)',
      );
    if (/%(?![0-9A-Fa-f]{2})/.test(userinfo))
      throw new UsageError(
        `${source}: '${shown}': a '%' in the user name or password is not followed by two hex digits; write % as %25`,
      );
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`${source}: '${shown}' is not a URL; expected ${URL_FORM}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(`${source}: scheme '${u.protocol}' is not allowed; expected redis:// or rediss://`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`${source}: database '${db}' is not a number`);
  const label = `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}/${db || '0'}`;
  const password = u.password ? undefined : env.ESGRAD_REDIS_PASSWORD;
  return { url: raw, label, ...(password ? { password } : {}) };
}

/**
 * What `esgrad train --resume DIR` of a Redis run needs after it to run as printed: ` --redis URL`
 * (the given URL, its password replaced by *** and said so), or a note that the URL comes from
 * $ESGRAD_REDIS_URL. Never prints a password.
 */
export function resumeRedisHint(
  url: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (url === undefined)
    return env.ESGRAD_REDIS_URL ? ' (with $ESGRAD_REDIS_URL set as now)' : ' --redis redis://host:port/db';
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  const secret = start >= 0 && at > start && url.slice(start + 3, at).includes(':');
  if (!secret) return ` --redis ${url}`;
  const user = url.slice(start + 3, url.indexOf(':', start + 3));
  const shown = `${url.slice(0, start + 3)}${user && !/[/?#%@]/.test(user) ? user : ''}:***${url.slice(at)}`;
  return ` --redis ${shown} (this run's --redis URL with its password in place of ***)`;
}

/** A short reason for a failed connection, free of credentials. */
export function connectionProblem(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username/i.test(msg))
    return 'the user name or password was refused';
  if (err?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) return 'connection refused';
  if (err?.code === 'ENOTFOUND' || /ENOTFOUND|EAI_AGAIN/.test(msg)) return 'unknown host';
  if (/ETIMEDOUT|timed? ?out/i.test(msg)) return 'no answer (timed out)';
  return redactUrl(msg).split('\n')[0]!.slice(0, 200);
}

export interface ConnectOptions {
  /** Client name shown by CLIENT LIST. */
  readonly name: string;
  readonly log: (msg: string) => void;
  /** Give up when Redis stays unreachable this long after a loss (default 5 minutes). */
  readonly outageMs?: number;
  /** Called when the connection is back after a loss (Redis may have restarted empty). */
  readonly onReconnect?: () => void;
}

function baseOptions(t: RedisTarget): RedisOptions {
  return { ...(t.password ? { password: t.password } : {}), connectTimeout: 5000 };
}

/** Checks that Redis answers; UsageError with one line naming the (redacted) URL otherwise. */
export async function probeRedis(t: RedisTarget): Promise<void> {
  const probe = new Redis(t.url, {
    ...baseOptions(t),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let lastError: unknown;
  probe.on('error', (e) => (lastError = e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new UsageError(`cannot reach Redis at ${t.label}: ${connectionProblem(lastError ?? e)}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * A client that, after a successful probe, retries with backoff through an outage: commands wait
 * for the connection to come back (up to outageMs, then they fail). Losses and returns are logged.
 */
export async function connectRedis(t: RedisTarget, o: ConnectOptions): Promise<Redis> {
  await probeRedis(t);
  const outageMs = o.outageMs ?? 5 * 60_000;
  let lostAt = 0;
  let lastProblem = '';
  const client = new Redis(t.url, {
    ...baseOptions(t),
    connectionName: o.name,
    maxRetriesPerRequest: null,
    retryStrategy: () => (lostAt && Date.now() - lostAt > outageMs ? null : 250),
  });
  client.on('error', (e) => (lastProblem = connectionProblem(e)));
  client.on('close', () => {
    if (lostAt || closing.has(client)) return;
    lostAt = Date.now();
    o.log(`redis: lost the connection to ${t.label}; retrying for up to ${Math.round(outageMs / 1000)} s`);
  });
  client.on(
    'end',
    () =>
      closing.has(client) ||
      o.log(`redis: gave up reconnecting to ${t.label}${lastProblem ? ` (${lastProblem})` : ''}`),
  );
  client.on('ready', () => {
    if (!lostAt) return;
    o.log(`redis: reconnected to ${t.label} after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`);
    lostAt = 0;
    o.onReconnect?.();
  });
  await new Promise<void>((resolve, reject) => {
    if (client.status === 'ready') return resolve();
    client.once('ready', () => resolve());
    client.once('end', () =>
      reject(new UsageError(`cannot reach Redis at ${t.label}: ${lastProblem || 'connection closed'}`)),
    );
  });
  return client;
}

/** Clients being closed on purpose: their 'close' is not an outage. */
const closing = new WeakSet<Redis>();

/** Closes a client without waiting for a server that may be gone. */
export async function closeRedis(client: Redis | undefined): Promise<void> {
  if (!client) return;
  closing.add(client);
  try {
    if (client.status === 'ready')
      await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000))]);
  } catch {
    // closing anyway
  }
  client.disconnect();
}
