// The layering rule of DESIGN.md, as Biome enforces it (biome.jsonc): for every pair of src/ folders,
// an import from a lower folder into a higher one is an error, the other way round is not; bench/ never;
// the modules at the top of src/ (types.ts, vector.ts, ...) import no folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
/** DESIGN.md's "one way through", lowest first. */
const LAYERS = [
  'rng',
  'data',
  'model',
  'backend',
  'env',
  'aggregate',
  'optim',
  'es',
  'evaluate',
  'analysis',
  'run',
  'experiments',
  'dashboard',
  'cli',
];

test('biome.jsonc: every import from a lower src/ folder into a higher one fails, and only those', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-layering-'));
  try {
    copyFileSync(join(ROOT, 'biome.jsonc'), join(dir, 'biome.jsonc'));
    const expectedBad = new Set<string>();
    for (const [i, from] of LAYERS.entries()) {
      mkdirSync(join(dir, 'src', from), { recursive: true });
      const lines = LAYERS.filter((to) => to !== from).map((to, k) => {
        if (LAYERS.indexOf(to) > i) expectedBad.add(`src/${from}/probe.ts:${k + 1}`);
        return `import { x${k} } from '../${to}/index.ts';`;
      });
      lines.push(`import { y } from '../../bench/index.ts';`, `import { z } from '../types.ts';`);
      expectedBad.add(`src/${from}/probe.ts:${lines.length - 1}`);
      writeFileSync(join(dir, 'src', from, 'probe.ts'), `${lines.join('\n')}\nexport { y, z };\n`);
    }
    // the modules at the top of src/ import no folder
    writeFileSync(join(dir, 'src', 'vector.ts'), `import { a } from './rng/index.ts';\nexport { a };\n`);
    expectedBad.add('src/vector.ts:1');
    const r = spawnSync(BIOME, ['lint', '--reporter=json', '--max-diagnostics=10000', 'src'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const report = JSON.parse(r.stdout) as {
      diagnostics: { category: string; location: { path: string; start: { line: number } } }[];
    };
    const flagged = new Set(
      report.diagnostics
        .filter((d) => d.category === 'lint/style/noRestrictedImports')
        .map((d) => `${d.location.path}:${d.location.start.line}`),
    );
    assert.ok(expectedBad.size > 100);
    assert.deepEqual([...flagged].sort(), [...expectedBad].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
