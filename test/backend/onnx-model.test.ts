// Checks OnnxModel on ONNX files built here: θ = the float initializers in file order, loss and
// accuracy against float64 loops, population members against single losses at θ + c_k·e_k, errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import type { Model } from '../../src/backend/model.ts';
import { importedLossGraph } from '../../src/backend/onnx-graphs.ts';
import { importOnnx } from '../../src/backend/onnx-import.ts';
import { OnnxModel } from '../../src/backend/onnx-model.ts';
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { modelSourceFromFile, openModel } from '../../src/backend/source.ts';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { type Batch, UsageError } from '../../src/types.ts';
import {
  countCorrect,
  DENSE_IF,
  denseIfBytes,
  denseIfOutputs,
  floatInit,
  meanCrossEntropy,
  meanSquaredError,
  TINY_CNN,
  tinyCnnBytes,
  tinyCnnLogits,
  values,
  withInitializers,
} from './onnx-fixtures.ts';

const { onnx } = onnxProto;

function batchOf(count: number, features: number, classes: number, seed: number): Batch {
  const imagesBxHxW = values(count * features, seed, 0.5).map((v) => v + 0.5);
  const labelsB = Int32Array.from(values(count, seed + 1), (v) => Math.floor((v + 0.5) * classes) % classes);
  return { imagesBxHxW, labelsB, count };
}

/** The tensors of a flat θ, split by shapes. */
function split(thetaP: Float32Array, shapes: number[][]): Float32Array[] {
  const out: Float32Array[] = [];
  let at = 0;
  for (const s of shapes) {
    const n = s.reduce((a, b) => a * b, 1);
    out.push(thetaP.slice(at, at + n));
    at += n;
  }
  return out;
}

const close = (a: number, b: number, rel: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

const cases = [
  {
    title: 'tiny CNN, cross-entropy',
    ...TINY_CNN,
    bytes: tinyCnnBytes,
    forward: tinyCnnLogits,
    loss: 'cross-entropy' as const,
    inputCHW: [1, 6, 6],
    classes: 4,
    reference: meanCrossEntropy,
  },
  {
    title: 'dense net with an If body, 2-D input, mse',
    ...DENSE_IF,
    bytes: denseIfBytes,
    forward: denseIfOutputs,
    loss: 'mse' as const,
    inputCHW: [1, 1, 5],
    classes: 3,
    reference: meanSquaredError,
  },
];

for (const c of cases) {
  describe(`OnnxModel: ${c.title}`, () => {
    const theta0 = c.shapes.map((s, i) =>
      values(
        s.reduce((a, b) => a * b, 1),
        10 + i,
      ),
    );
    const bytes = c.bytes(theta0);
    const model = new OnnxModel({ name: 'model.onnx', bytes, loss: c.loss }, { threads: 1 });
    const features = c.inputCHW.reduce((a, b) => a * b, 1);
    const refLoss = (thetaP: Float32Array, b: Batch): number => {
      const t = split(thetaP, c.shapes);
      const rows = Array.from({ length: b.count }, (_, n) =>
        c.forward(t, b.imagesBxHxW.subarray(n * features, (n + 1) * features)),
      );
      return c.reference(rows, b.labelsB);
    };
    after(() => model.close());

    it('takes θ from exactly the float32 initializers, in file order, with their values', () => {
      const file = onnx.ModelProto.decode(bytes);
      const floats = (file.graph!.initializer ?? []).filter((t) => t.dataType === 1);
      assert.deepEqual(
        model.layout.slices.map((s) => s.name),
        floats.map((t) => t.name),
      );
      assert.deepEqual(
        model.layout.slices.map((s) => s.shape),
        c.shapes,
      );
      assert.equal(
        model.size,
        theta0.reduce((a, t) => a + t.length, 0),
      );
      assert.deepEqual(model.initialTheta(1), Float32Array.from(theta0.flatMap((t) => [...t])));
      assert.deepEqual(model.initialTheta(2), model.initialTheta(1), 'the seed is ignored');
      assert.deepEqual(model.inputCHW, c.inputCHW);
      assert.equal(model.classes, c.classes);
      assert.equal(model.lossKind, c.loss);
      assert.equal((model as Model).lossAndGrad, undefined);
    });

    it('loss and correct count equal a float64 computation', async () => {
      const thetaP = model.initialTheta(0);
      const b = batchOf(9, features, c.classes, 3);
      const r = await model.loss(thetaP, b);
      close(r.loss, refLoss(thetaP, b), 1e-5, 'loss');
      const t = split(thetaP, c.shapes);
      const rows = Array.from({ length: b.count }, (_, n) =>
        c.forward(t, b.imagesBxHxW.subarray(n * features, (n + 1) * features)),
      );
      assert.equal(r.correct, countCorrect(rows, b.labelsB));
    });

    it('evaluate over 2,300 examples (3 chunks) equals the float64 mean loss and accuracy', async () => {
      const thetaP = model.initialTheta(0);
      const b = batchOf(2300, features, c.classes, 5);
      const r = await model.evaluate(thetaP, b.imagesBxHxW, b.labelsB);
      close(r.loss, refLoss(thetaP, b), 1e-5, 'loss');
      const t = split(thetaP, c.shapes);
      const rows = Array.from({ length: b.count }, (_, n) =>
        c.forward(t, b.imagesBxHxW.subarray(n * features, (n + 1) * features)),
      );
      assert.equal(r.accuracy, countCorrect(rows, b.labelsB) / b.count);
    });

    const noise = values(model.size + 500, 99, 1.5);
    const single = async (thetaP: Float32Array, offset: number, coef: number, b: Batch): Promise<number> => {
      const perturbed = thetaP.map((v, i) => Math.fround(v + Math.fround(coef * noise[offset + i]!)));
      return (await model.loss(perturbed, b)).loss;
    };
    const layouts = {
      'mirrored pairs': [0.1, -0.1, 0.05, -0.05].map((coef, k) => ({ offset: 37 * (k >> 1), coef })),
      'distinct offsets': [0.1, -0.2, 0.05].map((coef, k) => ({ offset: 11 + 53 * k, coef })),
    };
    for (const [label, copies] of Object.entries(layouts)) {
      for (const shared of [true, false]) {
        it(`populationLosses, ${label}, ${shared ? 'shared batch' : 'own batches'}: member k = loss at θ + c_k·e_k`, async () => {
          const thetaP = model.initialTheta(0);
          const one = batchOf(8, features, c.classes, 21);
          const batches = copies.map((_, k) => (shared ? one : batchOf(5 + k, features, c.classes, 30 + k)));
          const losses = await model.populationLosses(thetaP, noise, copies, batches);
          assert.equal(losses.length, copies.length);
          assert.equal(new Set(losses).size, copies.length, 'perturbations change the loss');
          for (const [k, p] of copies.entries())
            close(losses[k]!, await single(thetaP, p.offset, p.coef, batches[k]!), 1e-6, `member ${k}`);
        });
      }
    }
  });
}

describe("OnnxModel keeps the file's opset", () => {
  it("an opset-11 file listing its initializers as inputs gives the opset-17 file's losses", async () => {
    const theta0 = TINY_CNN.shapes.map((s, i) =>
      values(
        s.reduce((a, b) => a * b, 1),
        40 + i,
      ),
    );
    const bytes17 = tinyCnnBytes(theta0);
    const bytes11 = withInitializers(bytes17, [], (m) => {
      m.opsetImport = [{ domain: '', version: 11 }];
      m.irVersion = 6;
      // As older exporters write it: every initializer also listed as a graph input.
      for (const t of m.graph!.initializer ?? [])
        m.graph!.input!.push({
          name: t.name ?? '',
          type: {
            tensorType: {
              elemType: Number(t.dataType),
              shape: { dim: (t.dims ?? []).map((d) => ({ dimValue: d })) },
            },
          },
        });
    });
    const [m17, m11] = [bytes17, bytes11].map(
      (bytes) => new OnnxModel({ name: 'm.onnx', bytes, loss: 'cross-entropy' }, { threads: 1 }),
    );
    const thetaP = m17!.initialTheta(0);
    const b = batchOf(6, 36, 4, 8);
    const noise = values(m17!.size + 10, 3);
    const copies = [0.1, -0.1].map((coef) => ({ offset: 5, coef }));
    assert.deepEqual(await m11!.loss(thetaP, b), await m17!.loss(thetaP, b));
    assert.deepEqual(
      await m11!.populationLosses(thetaP, noise, copies, [b, b]),
      await m17!.populationLosses(thetaP, noise, copies, [b, b]),
    );
    await Promise.all([m11!.close(), m17!.close()]);
  });
});

describe('OnnxModel runs θ-filter Convs on the NCHWc kernels', () => {
  // x [N,1,6,6] → Conv 1→16 3×3 pad 1 → Relu → Conv 16→16 3×3 pad 1 stride 2 → Reshape [-1,144] → MatMul → [N,3]
  const shapes = [[16, 1, 3, 3], [16], [16, 16, 3, 3], [16], [144, 3]];
  const theta0 = shapes.map((s, i) =>
    values(
      s.reduce((a, b) => a * b, 1),
      60 + i,
      0.3,
    ),
  );
  const g = new GraphBuilder('nchwc');
  g.input('x', 'float32', ['N', 1, 6, 6]);
  const h = g.op1('Relu', [g.op1('Conv', ['x', 'w1', 'b1'], { pads: [1, 1, 1, 1] })]);
  const h2 = g.op1('Conv', [h, 'w2', 'b2'], { pads: [1, 1, 1, 1], strides: [2, 2], kernel_shape: [3, 3] });
  g.op1('MatMul', [g.op1('Reshape', [h2, g.constant([-1, 144])]), 'w3'], {}, 'out');
  g.output('out', 'float32', ['N', 3]);
  const names = ['w1', 'b1', 'w2', 'b2', 'w3'];
  const bytes = withInitializers(
    g.toBytes(),
    names.map((n, i) => floatInit(n, shapes[i]!, theta0[i]!)),
  );
  const [blocked, plain] = [true, false].map(
    (nchwc) => new OnnxModel({ name: 'm.onnx', bytes, loss: 'cross-entropy' }, { threads: 1, nchwc }),
  );
  after(() => Promise.all([blocked!.close(), plain!.close()]));
  const thetaP = blocked!.initialTheta(0);

  it('builds nchwc.Conv nodes when ORT has the kernels', async () => {
    const bs = await nchwcBlockSize();
    const graph = onnx.ModelProto.decode(importedLossGraph(importOnnx('m.onnx', bytes), 'cross-entropy', bs));
    const convs = (graph.graph!.node ?? []).filter((n) => n.opType === 'Conv');
    assert.deepEqual(
      convs.map((n) => n.domain ?? ''),
      bs > 0 ? ['com.microsoft.nchwc', 'com.microsoft.nchwc'] : ['', ''],
    );
  });

  it("gives the standard Conv's loss, and members equal single losses", async () => {
    const b = batchOf(7, 36, 3, 70);
    close((await blocked!.loss(thetaP, b)).loss, (await plain!.loss(thetaP, b)).loss, 1e-5, 'loss');
    const noise = values(blocked!.size + 100, 71, 1.5);
    const copies = [0.1, -0.1, 0.2].map((coef, k) => ({ offset: 13 * (k >> 1), coef }));
    const batches = copies.map((_, k) => batchOf(4 + k, 36, 3, 80 + k));
    for (const own of [false, true]) {
      const bs = own ? batches : copies.map(() => b);
      const losses = await blocked!.populationLosses(thetaP, noise, copies, bs);
      const plainLosses = await plain!.populationLosses(thetaP, noise, copies, bs);
      for (const [k, p] of copies.entries()) {
        const perturbed = thetaP.map((v, i) => Math.fround(v + Math.fround(p.coef * noise[p.offset + i]!)));
        close(losses[k]!, (await blocked!.loss(perturbed, bs[k]!)).loss, 1e-6, `member ${k}`);
        close(losses[k]!, plainLosses[k]!, 1e-5, `member ${k} vs standard Conv`);
      }
    }
  });
});

/** Asserts that `fn` throws a UsageError whose one-line message matches `pattern`. */
function assertUsage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `not a UsageError: ${e}`);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('OnnxModel refuses unusable files with one line', () => {
  const open = (bytes: Uint8Array): OnnxModel =>
    new OnnxModel({ name: 'bad.onnx', bytes, loss: 'cross-entropy' });
  const dense = (edit: (g: GraphBuilder) => void = () => {}): GraphBuilder => {
    const g = new GraphBuilder('bad');
    g.input('a', 'float32', ['N', 2]);
    edit(g);
    g.op1('MatMul', ['a', 'w'], {}, 'out');
    g.output('out', 'float32', ['N', 2]);
    return g;
  };
  const w = floatInit('w', [2, 2], values(4, 1));

  it('two data inputs', () => {
    const g = dense((b) => b.input('b', 'float32', ['N', 2]));
    assertUsage(() => open(withInitializers(g.toBytes(), [w])), /^bad\.onnx: has 2 data inputs \('a', 'b'\)/);
  });

  it('no float initializer', () => {
    assertUsage(() => open(dense().toBytes()), /^bad\.onnx: has no float32 initializer/);
  });

  it('a corrupt or truncated file', () => {
    const good = withInitializers(dense().toBytes(), [w]);
    assertUsage(() => open(good.subarray(0, good.length - 7)), /^bad\.onnx: not an ONNX model/);
    assertUsage(
      () => open(Uint8Array.from(values(300, 4), (v) => (v + 1) * 127)),
      /^bad\.onnx: not an ONNX model/,
    );
  });

  it('a fixed batch dim, a non-float input, an output that is not [N, classes], external data', () => {
    const fixed = new GraphBuilder('bad');
    fixed.input('a', 'float32', [1, 2]);
    fixed.op1('MatMul', ['a', 'w'], {}, 'out');
    fixed.output('out', 'float32', [1, 2]);
    assertUsage(() => open(withInitializers(fixed.toBytes(), [w])), /fixed batch size 1/);
    const int = new GraphBuilder('bad');
    int.input('a', 'int64', ['N', 2]);
    int.op1('Cast', ['a'], { to: 1 }, 'out');
    int.output('out', 'float32', ['N', 2]);
    assertUsage(() => open(withInitializers(int.toBytes(), [w])), /data input 'a' is not float32/);
    const flat = new GraphBuilder('bad');
    flat.input('a', 'float32', ['N', 2]);
    flat.op1('ReduceSum', [flat.op1('MatMul', ['a', 'w'])], { keepdims: 0 }, 'out');
    flat.output('out', 'float32', []);
    assertUsage(() => open(withInitializers(flat.toBytes(), [w])), /output 'out' must be \[N, classes\]/);
    const ext = { ...w, floatData: [], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] };
    assertUsage(
      () => open(withInitializers(dense().toBytes(), [ext])),
      /'w' keeps its data in an external file/,
    );
  });

  it('modelSourceFromFile: an unreadable path is one line; a readable one opens as an OnnxModel', async () => {
    assertUsage(() => modelSourceFromFile('/nonexistent/m.onnx', 'mse'), /cannot read ONNX model/);
    const dir = mkdtempSync(join(tmpdir(), 'esgrad-onnx-'));
    const path = join(dir, 'net.onnx');
    writeFileSync(path, withInitializers(dense().toBytes(), [w]));
    const source = modelSourceFromFile(path, 'mse');
    rmSync(dir, { recursive: true });
    assert.equal(source.format === 'onnx' && source.name, 'net.onnx');
    const model = openModel(source);
    assert.ok(model instanceof OnnxModel);
    assert.equal(model.size, 4);
    await model.close();
  });
});
