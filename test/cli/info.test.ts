// `esgrad info` as a user runs it: the layout of θ for a built-in name and for a .json layer spec;
// a bad spec is one line on stderr and exit code 2.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { esgrad } from '../helpers/cli.ts';

describe('esgrad info --model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-info-'));
  const spec = join(dir, 'small.json');
  writeFileSync(
    spec,
    JSON.stringify({
      input: [3, 16, 16],
      layers: [
        { kind: 'conv2d', filters: 8, kernel: 4, stride: 2 },
        { kind: 'leaky-relu', alpha: 0.1 },
        { kind: 'avgpool', kernel: 2 },
        { kind: 'flatten' },
        { kind: 'dense', units: 10 },
      ],
      loss: 'mse',
    }),
  );

  it('prints the layout of a spec file', () => {
    const r = esgrad('info', '--model', spec);
    assert.equal(r.code, 0, r.stderr);
    // conv1 8·3·4·4 + 8, fc1 (8·4·4)·10 + 10
    assert.match(r.stdout, /^small: 1,682 parameters \(input 3×16×16, mse\)\n/);
    assert.match(r.stdout, /conv1\.weight +\[8,3,4,4\] +offset +0 +size +384\n/);
    assert.match(r.stdout, /fc1\.weight +\[128,10\] +offset +392 +size +1280\n/);
    const json = JSON.parse(esgrad('info', '--model', spec, '--json').stdout);
    assert.equal(json.params, 1682);
    assert.deepEqual(
      json.layout.map((s: { name: string }) => s.name),
      ['conv1.weight', 'conv1.bias', 'fc1.weight', 'fc1.bias'],
    );
  });

  it('still prints the built-ins', () => {
    const r = esgrad('info');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cnn-3m: 3,274,634 parameters \(input 1×28×28, cross-entropy\)$/m);
    assert.match(r.stdout, /^cnn-29k: 28,938 parameters/m);
  });

  it('a bad spec, a missing file or bad JSON is one line and exit code 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        input: [1, 8, 8],
        layers: [
          { kind: 'conv2d', filters: 4, kernel: 3 },
          { kind: 'dense', units: 10 },
        ],
      }),
    );
    const cases: [string, RegExp][] = [
      [
        bad,
        /^esgrad: .*bad\.json: layers\[1\] \(dense\): needs a flat input; add \{"kind":"flatten"\} before it\n$/,
      ],
      [join(dir, 'missing.json'), /^esgrad: .*missing\.json: cannot read the model spec: no such file\n$/],
      ['resnet', /^esgrad: unknown model 'resnet'/],
    ];
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"input": [1, 8, 8]\n"layers": []}');
    cases.push([broken, /^esgrad: .*broken\.json: not valid JSON: [^\n]*\n$/]);
    for (const [model, pattern] of cases) {
      const r = esgrad('info', '--model', model);
      assert.equal(r.code, 2, `${model}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
  });
});
