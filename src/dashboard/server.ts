// `esgrad dashboard`'s HTTP server: the page and its libraries (a fixed set of files), the runs'
// state and curves as JSON, and live updates as server-sent events. Binds 127.0.0.1 unless told otherwise.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assetMap } from './assets.ts';
import { experimentView } from './experiment-view.ts';
import { Hub, type HubEvent } from './hub.ts';

export interface DashboardOptions {
  readonly dirs: readonly string[];
  /** Default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly hub: Hub;
  close(): Promise<void>;
}

/** Seconds between SSE comments that keep idle connections open through proxies. */
const HEARTBEAT_MS = 15_000;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
const json = (res: ServerResponse, value: unknown, status = 200): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
const notFound = (res: ServerResponse, what = 'not found'): void => json(res, { error: what }, 404);

function events(req: IncomingMessage, res: ServerResponse, hub: Hub): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  const write = (e: HubEvent): void => {
    res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  };
  const unsubscribe = hub.subscribe(write);
  const heartbeat = setInterval(() => res.write(': alive\n\n'), HEARTBEAT_MS);
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Bound to this machine only, the server answers only requests addressed to it by a loopback name: a
 * web page elsewhere cannot read it through a DNS name of its own pointed at 127.0.0.1 (DNS rebinding).
 */
function addressedToLoopback(req: IncomingMessage): boolean {
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return LOOPBACK.has(name);
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  hub: Hub,
  assets: ReturnType<typeof assetMap>,
  loopbackOnly: boolean,
) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, { error: 'only GET' }, 405);
  if (loopbackOnly && !addressedToLoopback(req))
    return json(res, { error: 'this dashboard answers only at 127.0.0.1 or localhost' }, 403);
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const asset = assets.get(path);
  if (asset) return send(res, 200, asset.type, await readFile(asset.file));
  if (path === '/api/state') return json(res, hub.state());
  if (path === '/api/events') return events(req, res, hub);
  const run = /^\/api\/runs\/([0-9a-f]{12})\/metrics$/.exec(path);
  if (run) {
    const m = hub.metrics(run[1]!);
    return m ? json(res, m) : notFound(res, 'no such run (deleted?)');
  }
  const exp = /^\/api\/experiments\/([0-9a-f]{12})$/.exec(path);
  if (exp) {
    const dir = hub.experimentDir(exp[1]!);
    return dir ? json(res, experimentView(dir)) : notFound(res, 'no such experiment (deleted?)');
  }
  return notFound(res);
}

/** Starts the server; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const hub = new Hub(o.dirs);
  const assets = assetMap();
  const host = o.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    route(req, res, hub, assets, LOOPBACK.has(host)).catch((e: unknown) => {
      if (!res.headersSent) json(res, { error: (e as Error).message }, 500);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    hub,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
