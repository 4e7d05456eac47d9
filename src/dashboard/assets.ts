// The files the page is made of: its own (src/dashboard/page/, dist/dashboard/page/ when built) and the
// chart libraries' browser builds from node_modules. Only these are served: a fixed map, no paths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PAGE_DIR = join(import.meta.dirname, 'page');

/** The directory of the installed npm package `name`, looked up as Node does (node_modules upwards). */
export function packageDir(name: string, from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`the npm package ${name} is not installed`);
  }
}

export interface Asset {
  readonly file: string;
  readonly type: string;
}

const JS = 'text/javascript; charset=utf-8',
  CSS = 'text/css; charset=utf-8';

/** URL path → file. */
export function assetMap(): ReadonlyMap<string, Asset> {
  const page = (name: string, type: string): Asset => ({ file: join(PAGE_DIR, name), type });
  const vendor = (pkg: string, path: string, type: string): Asset => ({
    file: join(packageDir(pkg), path),
    type,
  });
  return new Map([
    ['/', page('index.html', 'text/html; charset=utf-8')],
    ['/app.js', page('app.js', JS)],
    ['/charts.js', page('charts.js', JS)],
    ['/details.js', page('details.js', JS)],
    ['/dom.js', page('dom.js', JS)],
    ['/experiment.js', page('experiment.js', JS)],
    ['/style.css', page('style.css', CSS)],
    ['/vendor/uPlot.esm.js', vendor('uplot', 'dist/uPlot.esm.js', JS)],
    ['/vendor/uPlot.min.css', vendor('uplot', 'dist/uPlot.min.css', CSS)],
    ['/vendor/vega.min.js', vendor('vega', 'build/vega.min.js', JS)],
    ['/vendor/vega-lite.min.js', vendor('vega-lite', 'build/vega-lite.min.js', JS)],
    ['/vendor/vega-embed.min.js', vendor('vega-embed', 'build/vega-embed.min.js', JS)],
  ]);
}
