// npm run build: the package's dist/ from src/ — tsc (tsconfig.build.json) emits JavaScript and
// declarations; then the plain-JS worker bootstrap is copied and the declarations' `.ts` paths become `.js`.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(DIST, { recursive: true, force: true }); // no module of an older build ships
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' });
// tsc copies no .mjs file (worker-thread.mjs, the entry of every worker thread), nor the dashboard's
// page (src/dashboard/page/: HTML, CSS and browser JavaScript, served as they are).
const PAGE = join('dashboard', 'page');
for (const f of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (f.endsWith('.mjs') || (f.startsWith(PAGE) && /\.(html|css|js)$/.test(f)))
    cpSync(join(ROOT, 'src', f), join(DIST, f));
}
// tsc rewrites `./x.ts` to `./x.js` in JavaScript but not in declarations (microsoft/TypeScript#61037);
// a consumer without allowImportingTsExtensions needs the `.js` form there too.
const RELATIVE_TS = /((?:from |import\()(['"])\.\.?\/[^'"]*?)\.ts\2/g;
for (const f of files) {
  if (!f.endsWith('.d.ts')) continue;
  const path = join(DIST, f);
  const text = readFileSync(path, 'utf8');
  const rewritten = text.replace(RELATIVE_TS, '$1.js$2');
  if (rewritten !== text) writeFileSync(path, rewritten);
}
