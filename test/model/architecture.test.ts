// Checks the named networks' parameter counts (the paper's 3,274,634 and 28,938), the layout of θ,
// the layer shapes, and the initialisation (truncated normal std 0.1, biases 0.1).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  forwardMacsPerExample,
  getArchitecture,
  layerShapes,
  paramLayout,
} from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';

it("cnn-3m and cnn-29k have the paper's parameter counts", () => {
  assert.equal(paramLayout(getArchitecture('cnn-3m')).size, 3_274_634);
  assert.equal(paramLayout(getArchitecture('cnn-29k')).size, 28_938);
  assert.equal(paramLayout(getArchitecture('mlp')).size, 784 * 32 + 32 + 32 * 10 + 10);
});

it('layout slices tile θ in order with ONNX shapes', () => {
  const layout = paramLayout(getArchitecture('cnn-3m'));
  assert.deepEqual(
    layout.slices.map((s) => [s.name, s.shape]),
    [
      ['conv1.weight', [32, 1, 5, 5]],
      ['conv1.bias', [32]],
      ['conv2.weight', [64, 32, 5, 5]],
      ['conv2.bias', [64]],
      ['fc1.weight', [3136, 1024]],
      ['fc1.bias', [1024]],
      ['fc2.weight', [1024, 10]],
      ['fc2.bias', [10]],
    ],
  );
  let next = 0;
  for (const s of layout.slices) {
    assert.equal(s.offset, next);
    next += s.size;
  }
  assert.equal(next, layout.size);
});

it('layer shapes and MACs of cnn-29k follow SAME convolutions and 2x2 pooling', () => {
  const arch = getArchitecture('cnn-29k');
  assert.deepEqual(layerShapes(arch).at(-2), [1568]);
  // conv1 28·28·16·25 + conv2 14·14·32·16·25 + fc 1568·10
  assert.equal(forwardMacsPerExample(arch), 28 * 28 * 16 * 25 + 14 * 14 * 32 * 16 * 25 + 1568 * 10);
});

it('unknown model names are a usage error listing the allowed ones', () => {
  assert.throws(() => getArchitecture('resnet'), /unknown model 'resnet': allowed are cnn-3m, cnn-29k, mlp/);
});

it('initialisation: biases 0.1, weights truncated at 2 std with std near 0.1, seeded', () => {
  const layout = paramLayout(getArchitecture('cnn-29k'));
  const a = initParams(layout, 7),
    b = initParams(layout, 7),
    c = initParams(layout, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const w = layout.slices.find((s) => s.name === 'fc1.weight')!;
  const ws = a.subarray(w.offset, w.offset + w.size);
  let sum = 0,
    sq = 0,
    max = 0;
  for (const v of ws) {
    sum += v;
    sq += v * v;
    max = Math.max(max, Math.abs(v));
  }
  const std = Math.sqrt(sq / ws.length - (sum / ws.length) ** 2);
  assert.ok(max <= 0.2 + 1e-7, `max |w| ${max}`);
  // A normal truncated at ±2σ has std 0.8796σ; 15,680 samples give ±1% sampling error.
  assert.ok(Math.abs(std - 0.08796) < 0.003, `std ${std}`);
  const bias = layout.slices.find((s) => s.name === 'conv2.bias')!;
  assert.ok(a.subarray(bias.offset, bias.offset + bias.size).every((v) => Math.abs(v - 0.1) < 1e-7));
});
