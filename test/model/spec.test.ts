// Checks networks from JSON specs: the canonical form (defaults written out), the shapes and layout
// of a spec equal to a built-in, and that every problem is one UsageError line naming the source,
// the layer index and the field.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  forwardMacsPerExample,
  getArchitecture,
  layerShapes,
  numClasses,
  paramLayout,
} from '../../src/model/architecture.ts';
import { loadArchitecture, parseArchitecture } from '../../src/model/spec.ts';
import { UsageError } from '../../src/types.ts';

const CNN_29K = {
  input: [1, 28, 28],
  layers: [
    { kind: 'conv2d', filters: 16, kernel: 5 },
    { kind: 'relu' },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'conv2d', filters: 32, kernel: 5, padding: 'same' },
    { kind: 'relu' },
    { kind: 'maxpool', kernel: 2, stride: 2 },
    { kind: 'flatten' },
    { kind: 'dense', units: 10 },
  ],
};

describe('parseArchitecture', () => {
  it('fills in the defaults: a spec of cnn-29k is the built-in, named after its file', () => {
    const arch = parseArchitecture(CNN_29K, 'nets/cnn-29k.json');
    assert.deepEqual(arch, getArchitecture('cnn-29k'));
    assert.equal(paramLayout(arch).size, 28_938);
  });

  it('checks Architecture values of library callers the same way (inputCHW for input)', () => {
    for (const name of ['cnn-3m', 'cnn-29k', 'mlp'])
      assert.deepEqual(parseArchitecture(getArchitecture(name), 'model'), getArchitecture(name));
    const bad = { ...getArchitecture('mlp'), layers: [{ kind: 'dense', units: 10 }] };
    assert.throws(
      () => parseArchitecture(bad, 'model'),
      /^UsageError: model: layers\[0\] \(dense\): needs a flat input/,
    );
    assert.throws(
      () => parseArchitecture({ ...getArchitecture('mlp'), inputCHW: [1, 28] }, 'model'),
      /^UsageError: model: inputCHW: got \[1,28\]; must be \[C, H, W\]/,
    );
  });

  it('keeps a given name and loss; leaky-relu alpha defaults to 0.01', () => {
    const arch = parseArchitecture(
      {
        name: 'tiny',
        input: [3, 5, 5],
        layers: [{ kind: 'leaky-relu' }, { kind: 'flatten' }, { kind: 'dense', units: 4 }],
        loss: 'mse',
      },
      'x.json',
    );
    assert.equal(arch.name, 'tiny');
    assert.equal(arch.loss, 'mse');
    assert.deepEqual(arch.layers[0], { kind: 'leaky-relu', alpha: 0.01 });
    assert.deepEqual(arch.inputCHW, [3, 5, 5]);
  });

  it('shapes, classes and MACs of strided, valid, even-kernel convs and pools', () => {
    const arch = parseArchitecture(
      {
        input: [3, 11, 9],
        layers: [
          { kind: 'conv2d', filters: 4, kernel: 2, stride: 2 }, // SAME: ceil(11/2) × ceil(9/2)
          { kind: 'conv2d', filters: 5, kernel: 3, padding: 'valid' }, // 6×5 → 4×3
          { kind: 'avgpool', kernel: 2, stride: 1 }, // → 3×2
          { kind: 'maxpool', kernel: 2, stride: 1 }, // → 2×1
          { kind: 'flatten' },
          { kind: 'dense', units: 7 },
        ],
      },
      'a.json',
    );
    assert.deepEqual(layerShapes(arch), [[4, 6, 5], [5, 4, 3], [5, 3, 2], [5, 2, 1], [10], [7]]);
    assert.equal(numClasses(arch), 7);
    assert.equal(forwardMacsPerExample(arch), 4 * 6 * 5 * 3 * 4 + 5 * 4 * 3 * 4 * 9 + 10 * 7);
  });
});

describe('parseArchitecture: each problem is one line naming the source, layer index and field', () => {
  const base = (layers: unknown[], extra: Record<string, unknown> = {}) => ({
    input: [1, 8, 8],
    layers,
    ...extra,
  });
  const flatDense = [{ kind: 'flatten' }, { kind: 'dense', units: 10 }];
  const cases: [string, unknown, RegExp][] = [
    [
      'kind missing',
      base([
        { kind: 'conv2d', filters: 4, kernel: 3 },
        { kind: 'relu' },
        {},
        { kind: 'conv2d', filters: 2, kernel: 0 },
      ]),
      /^net\.json: layers\[2\]\.kind: missing; must be one of conv2d, /,
    ],
    [
      'kernel 0',
      base([
        { kind: 'relu' },
        { kind: 'relu' },
        { kind: 'relu' },
        { kind: 'conv2d', filters: 2, kernel: 0 },
        ...flatDense,
      ]),
      /^net\.json: layers\[3\]\.kernel: got 0; must be a positive integer$/,
    ],
    [
      'fractional filters',
      base([{ kind: 'conv2d', filters: 2.5, kernel: 3 }, ...flatDense]),
      /^net\.json: layers\[0\]\.filters: got 2\.5; must be a positive integer$/,
    ],
    [
      'missing units',
      base([{ kind: 'flatten' }, { kind: 'dense' }]),
      /^net\.json: layers\[1\]\.units: missing; must be a positive integer$/,
    ],
    [
      'stride as a string',
      base([{ kind: 'maxpool', kernel: 2, stride: '2' }, ...flatDense]),
      /^net\.json: layers\[0\]\.stride: got "2"; must be a positive integer$/,
    ],
    [
      'bad padding',
      base([{ kind: 'conv2d', filters: 2, kernel: 3, padding: 'full' }, ...flatDense]),
      /^net\.json: layers\[0\]\.padding: got "full"; must be "same" or "valid"$/,
    ],
    [
      'bad alpha',
      base([{ kind: 'leaky-relu', alpha: 'big' }, ...flatDense]),
      /^net\.json: layers\[0\]\.alpha: got "big"; must be a finite number$/,
    ],
    [
      'unknown field in a layer',
      base([{ kind: 'conv2d', filters: 2, kernel: 3, filter: 4 }, ...flatDense]),
      /^net\.json: layers\[0\]\.filter: unknown field \(allowed: kind, filters, kernel, stride, padding\)$/,
    ],
    [
      'a field of another kind',
      base([{ kind: 'relu', alpha: 0.1 }, ...flatDense]),
      /^net\.json: layers\[0\]\.alpha: unknown field \(allowed: kind\)$/,
    ],
    [
      'unknown kind',
      base([{ kind: 'conv3d' }]),
      /^net\.json: layers\[0\]\.kind: unknown kind "conv3d" \(allowed: conv2d, maxpool, avgpool, dense, relu, tanh, sigmoid, leaky-relu, flatten\)$/,
    ],
    ['the old maxpool2', base([{ kind: 'maxpool2' }]), /layers\[0\]\.kind: unknown kind "maxpool2"/],
    [
      'a layer that is not an object',
      base([{ kind: 'flatten' }, 3]),
      /^net\.json: layers\[1\]: got 3; must be an object/,
    ],
    [
      'dense on a [C,H,W] input',
      base([{ kind: 'conv2d', filters: 2, kernel: 3 }, { kind: 'relu' }, { kind: 'dense', units: 10 }]),
      /^net\.json: layers\[2\] \(dense\): needs a flat input; add \{"kind":"flatten"\} before it$/,
    ],
    [
      'pool larger than its input',
      {
        input: [1, 4, 4],
        layers: [{ kind: 'maxpool', kernel: 2 }, { kind: 'relu' }, { kind: 'maxpool', kernel: 3 }],
      },
      /^net\.json: layers\[2\] \(maxpool\): kernel 3 is larger than its 2×2 input$/,
    ],
    [
      'valid conv larger than its input',
      { input: [1, 4, 6], layers: [{ kind: 'conv2d', filters: 2, kernel: 5, padding: 'valid' }] },
      /^net\.json: layers\[0\] \(conv2d\): kernel 5 is larger than its 4×6 input with padding "valid"$/,
    ],
    [
      'conv after flatten',
      base([{ kind: 'flatten' }, { kind: 'conv2d', filters: 2, kernel: 3 }]),
      /^net\.json: layers\[1\] \(conv2d\): needs a \[C,H,W\] input, got a flat vector of 64$/,
    ],
    [
      'ends with a [C,H,W] output',
      base([{ kind: 'conv2d', filters: 2, kernel: 3 }, { kind: 'relu' }]),
      /^net\.json: layers\[1\] \(relu\): the last layer must produce a flat vector \(the classes\), got 2×8×8/,
    ],
    ['no parameters', base([{ kind: 'flatten' }]), /^net\.json: layers: no conv2d or dense layer/],
    ['no layers', base([]), /^net\.json: layers: got \[\]; must be a non-empty array of layers$/],
    ['layers missing', { input: [1, 8, 8] }, /^net\.json: layers: missing; must be a non-empty array/],
    [
      'input of two numbers',
      { input: [28, 28], layers: flatDense },
      /^net\.json: input: got \[28,28\]; must be \[C, H, W\]: three positive integers$/,
    ],
    ['input missing', { layers: flatDense }, /^net\.json: input: missing; must be \[C, H, W\]/],
    [
      'bad loss',
      base(flatDense, { loss: 'hinge' }),
      /^net\.json: loss: got "hinge"; must be "cross-entropy" or "mse"$/,
    ],
    ['empty name', base(flatDense, { name: '' }), /^net\.json: name: got ""; must be a non-empty string$/],
    [
      'unknown top-level field',
      base(flatDense, { layer: [] }),
      /^net\.json: layer: unknown field \(allowed: name, input, layers, loss\)$/,
    ],
    [
      'not an object',
      [1, 2],
      /^net\.json: got \[1,2\]; must be an object \{"input": \[C, H, W\], "layers": \[\.\.\.\]\}$/,
    ],
  ];
  for (const [label, value, pattern] of cases) {
    it(label, () => {
      assert.throws(
        () => parseArchitecture(value, 'net.json'),
        (e: unknown) => {
          assert.ok(e instanceof UsageError, `a UsageError, got ${e}`);
          assert.doesNotMatch(e.message, /\n/);
          assert.match(e.message, pattern);
          return true;
        },
      );
    });
  }
});

describe('loadArchitecture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esgrad-spec-'));

  it('reads a .json spec; its name defaults to the base name', () => {
    const path = join(dir, 'small-cnn.json');
    writeFileSync(
      path,
      JSON.stringify({
        input: [3, 32, 32],
        layers: [
          { kind: 'conv2d', filters: 8, kernel: 4, stride: 2 },
          { kind: 'tanh' },
          { kind: 'avgpool', kernel: 2 },
          { kind: 'flatten' },
          { kind: 'dense', units: 10 },
        ],
      }),
    );
    const arch = loadArchitecture(path);
    assert.equal(arch.name, 'small-cnn');
    assert.deepEqual(layerShapes(arch), [[8, 16, 16], [8, 16, 16], [8, 8, 8], [512], [10]]);
    assert.equal(numClasses(arch), 10);
    assert.deepEqual(
      paramLayout(arch).slices.map((s) => [s.name, s.shape]),
      [
        ['conv1.weight', [8, 3, 4, 4]],
        ['conv1.bias', [8]],
        ['fc1.weight', [512, 10]],
        ['fc1.bias', [10]],
      ],
    );
    assert.equal(forwardMacsPerExample(arch), 8 * 16 * 16 * 3 * 16 + 512 * 10);
  });

  it('takes built-in names', () => {
    assert.equal(loadArchitecture('cnn-3m'), getArchitecture('cnn-3m'));
  });

  it('a missing file, bad JSON or an unknown name is one line', () => {
    assert.throws(
      () => loadArchitecture(join(dir, 'nope.json')),
      /nope\.json: cannot read the model spec: no such file$/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"input": [1, 8, 8],\n "layers": [}\n');
    assert.throws(
      () => loadArchitecture(bad),
      (e: unknown) =>
        e instanceof UsageError && /bad\.json: not valid JSON: /.test(e.message) && !e.message.includes('\n'),
    );
    assert.throws(
      () => loadArchitecture('resnet'),
      /unknown model 'resnet': allowed are cnn-3m, cnn-29k, mlp, or a path/,
    );
  });
});
