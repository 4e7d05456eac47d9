// The package as a consumer gets it: `npm pack` (which builds dist/), the tarball installed offline
// into a fresh project, TypeScript checked there with a default strict tsconfig, optimize() and the bin run.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consumerProject } from './consumer-lock.ts';

const ROOT = join(import.meta.dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const tmp = mkdtempSync(join(tmpdir(), 'esgrad-package-'));
const app = join(tmp, 'app');
after(() => rmSync(tmp, { recursive: true, force: true }));

// No CUDA download by onnxruntime-node's install script; npm's cache only (no network).
const ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_offline: 'true' };

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: ENV, timeout: 120_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const TYPED = `import { type ObjectiveFn, type OptimizeResult, optimize } from 'esgrad';

const sphere: ObjectiveFn = (theta) => theta.reduce((sum, x) => sum + x * x, 0);
const result: OptimizeResult = await optimize(sphere, [1, -1, 0.5], {
  direction: 'minimize',
  iterations: 3,
  population: 10,
  noiseTableSize: 4096,
});
const first: number | undefined = result.history[0]?.bestFitness;
console.log(result.theta.length, first);
`;

// The README's objective example (examples/objective.ts) in plain JavaScript, smaller: ES on 2 worker
// threads, then in-process with the same seed, which must give the same θ.
const PLAIN = `import { optimize } from 'esgrad';
import rastrigin from './rastrigin.mjs';

const theta0 = Float32Array.from({ length: 100 }, (_, i) => 4 * Math.sin(i));
const options = { direction: 'minimize', iterations: 30, population: 200, sigma: 0.5, lr: 0.1, noiseTableSize: 1 << 16 };
const url = new URL('./rastrigin.mjs', import.meta.url);
const threads = await optimize(url, theta0, { ...options, evaluator: 'threads', workers: 2 });
const local = await optimize(url, theta0, options);
console.log(JSON.stringify({
  from: rastrigin(theta0),
  to: rastrigin(threads.theta),
  same: threads.theta.every((x, i) => Object.is(x, local.theta[i])),
}));
`;

describe('the npm package', () => {
  let tarball = '';

  before(() => {
    mkdirSync(app);
    run('npm', ['pack', '--pack-destination', app], ROOT); // prepack builds dist/
    tarball = readdirSync(app).find((f) => f.endsWith('.tgz')) ?? '';
    const { manifest, lock } = consumerProject(
      join(ROOT, 'package-lock.json'),
      PACKAGE,
      join(app, tarball),
      tarball,
    );
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
  });

  it('ships dist/, its declarations in the .js form, the bin and no sources or tests', (t) => {
    const files = execFileSync('tar', ['tzf', join(app, tarball)], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/worker-thread.mjs',
      'bin/esgrad.js',
      'README.md',
    ])
      assert.ok(files.includes(`package/${f}`), f);
    assert.deepEqual(
      files.filter((f) => /^package\/(src|test|bench|scripts|examples)\//.test(f)),
      [],
    );
    const installed = join(app, 'node_modules/esgrad/dist');
    for (const f of readdirSync(installed, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.d.ts'))
        assert.doesNotMatch(readFileSync(join(installed, f), 'utf8'), /['"]\.\.?\/[^'"]*\.ts['"]/, f);
    }
    t.diagnostic(`${tarball}: ${(statSync(join(app, tarball)).size / 1024).toFixed(0)} KiB`);
  });

  it('type-checks a consumer with a default strict tsconfig (nodenext)', () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(join(app, 'app.ts'), TYPED);
    run(process.execPath, [TSC, '-p', '.'], app);
  });

  it('runs optimize() on worker threads and in-process from plain JavaScript', () => {
    copyFileSync(join(ROOT, 'examples/rastrigin.mjs'), join(app, 'rastrigin.mjs'));
    writeFileSync(join(app, 'app.mjs'), PLAIN);
    const { from, to, same } = JSON.parse(run(process.execPath, ['app.mjs'], app));
    assert.ok(to < 0.8 * from, `Rastrigin ${from} -> ${to}`);
    assert.equal(same, true, 'threads and in-process give the same θ');
  });

  it('npx esgrad runs the built command', () => {
    assert.equal(run('npx', ['esgrad', '--version'], app).trim(), PACKAGE.version);
  });
});
