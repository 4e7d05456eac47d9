// Every run leaves a trained model: model.onnx runs in a fresh plain ORT session with exactly the run's
// test accuracy, theta.safetensors is θ bit for bit to independent readers, --keep-best holds the best θ.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { getArchitecture, paramLayout } from '../../src/model/architecture.ts';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { encodeSafetensors, thetaFromSafetensors } from '../../src/model/safetensors.ts';
import { loadArchitecture } from '../../src/model/spec.ts';
import { readCheckpoint } from '../../src/run/checkpoint.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { exportRun } from '../../src/run/export.ts';
import { train } from '../../src/run/train.ts';
import type { Metrics } from '../../src/types.ts';
import { floatInit, values, withInitializers } from '../backend/onnx-fixtures.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import {
  concatenated,
  mnistTest,
  parseSafetensors,
  plainOrtCorrect,
  pythonReads,
  sameBits,
} from './model-files-reference.ts';

const { onnx } = onnxProto;
const tmp = mkdtempSync(join(tmpdir(), 'esgrad-model-files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const EXAMPLE_SPEC = join(import.meta.dirname, '../../examples/small-cnn.json');
const test = mnistTest(MNIST_DIR);
let runs = 0;

async function run(over: Record<string, unknown>, signal?: AbortSignal) {
  const config = parseTrainConfig({ batch: 32, dataDir: MNIST_DIR, out: join(tmp, `run${runs++}`), ...over });
  const out = config.out!;
  const summary = await train(config, { quiet: true, ...(signal ? { signal } : {}) });
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Metrics);
  return { out, summary, metrics };
}

const thetaIn = (file: string) => parseSafetensors(readFileSync(file));
/** The test accuracy of an ONNX file computed here, as the fraction the run reports. */
const accuracyOf = async (file: string, dims: readonly number[]) =>
  (await plainOrtCorrect(file, test, dims)) / test.count;

describe('safetensors writer', () => {
  const layout = {
    slices: [
      { name: 'conv.weight', shape: [2, 1, 3, 3], offset: 0, size: 18 },
      { name: 'scalar', shape: [], offset: 18, size: 1 },
      { name: 'β bias', shape: [3], offset: 19, size: 3 },
    ],
    size: 22,
  };
  const thetaP = values(22, 7);
  thetaP.set([-0, Number.NaN, 1e-42, -3.4e38], 0); // -0, NaN, a subnormal, a large value survive bit for bit

  it('is read back by an independent parser: F32 tensors with their shapes, θ bit for bit, metadata', () => {
    for (const metadata of [{}, { iteration: '12', model: 'x' }, { pad: 'a'.repeat(5) }]) {
      const parsed = parseSafetensors(encodeSafetensors(layout, thetaP, metadata));
      assert.deepEqual(parsed.metadata, metadata);
      assert.deepEqual(
        parsed.tensors.map((t) => [t.name, t.dtype, t.shape]),
        layout.slices.map((s) => [s.name, 'F32', s.shape]),
      );
      assert.ok(sameBits(concatenated(parsed), thetaP));
    }
  });

  it('round-trips through thetaFromSafetensors and refuses a file of another layout', () => {
    const bytes = encodeSafetensors(layout, thetaP, { iteration: '3' });
    const back = thetaFromSafetensors(bytes, layout);
    assert.ok(sameBits(back.thetaP, thetaP));
    assert.equal(back.metadata.iteration, '3');
    const other = { ...layout, slices: layout.slices.map((s, i) => (i === 2 ? { ...s, shape: [1, 3] } : s)) };
    assert.throws(() => thetaFromSafetensors(bytes, other), /'β bias' is F32 \[3\], not F32 \[1,3\]/);
  });

  it('is read by Python (safetensors or numpy) as the same tensors', (t) => {
    const file = join(tmp, 'unit.safetensors');
    writeFileSync(file, encodeSafetensors(layout, thetaP, { iteration: '1' }));
    const py = pythonReads(file);
    if (!py) return t.skip('python3 with numpy is not installed');
    assert.deepEqual(py.names, ['conv.weight', 'scalar', 'β bias']);
    assert.deepEqual(py.shapes, [[2, 1, 3, 3], [], [3]]);
    assert.ok(sameBits(py.values, thetaP), `read with ${py.reader}`);
  });
});

describe('an SGD run on mlp', async () => {
  const r = await run({ algo: 'sgd', model: 'mlp', iters: 40, evalEvery: 20, checkpointEvery: 40 });

  it('model.onnx gives exactly the run’s final test accuracy in a fresh ORT session', async () => {
    assert.equal(await accuracyOf(join(r.out, 'model.onnx'), [1, 28, 28]), r.summary.finalTestAccuracy);
  });

  it('theta.safetensors is the final θ (the checkpoint’s) bit for bit, one tensor per slice', () => {
    const parsed = thetaIn(join(r.out, 'theta.safetensors'));
    const layout = paramLayout(getArchitecture('mlp'));
    assert.deepEqual(
      parsed.tensors.map((t) => [t.name, t.shape]),
      layout.slices.map((s) => [s.name, [...s.shape]]),
    );
    assert.equal(parsed.metadata.iteration, '40');
    assert.ok(sameBits(concatenated(parsed), readCheckpoint(r.out).state.thetaP));
    const py = pythonReads(join(r.out, 'theta.safetensors'));
    if (py) assert.ok(sameBits(py.values, readCheckpoint(r.out).state.thetaP));
  });

  it('no best files without keepBest', () => {
    assert.throws(() => readFileSync(join(r.out, 'model-best.onnx')), /ENOENT/);
  });
});

describe('an ES run on a small spec net with keepBest', async () => {
  const common = { algo: 'es', model: EXAMPLE_SPEC, population: 16, evaluator: 'local', batch: 64 };
  const r = await run({ ...common, iters: 4, evalEvery: 1, keepBest: true, noiseTableSize: 1 << 18 });
  const P = paramLayout(loadArchitecture(EXAMPLE_SPEC)).size;

  it('model.onnx gives exactly the run’s final test accuracy in a fresh ORT session', async () => {
    assert.equal(await accuracyOf(join(r.out, 'model.onnx'), [1, 28, 28]), r.summary.finalTestAccuracy);
    assert.equal(concatenated(thetaIn(join(r.out, 'theta.safetensors'))).length, P);
  });

  it('model-best.onnx gives the best test accuracy; theta-best is θ at its first iteration', async () => {
    assert.equal(await accuracyOf(join(r.out, 'model-best.onnx'), [1, 28, 28]), r.summary.bestTestAccuracy);
    const best = thetaIn(join(r.out, 'theta-best.safetensors'));
    const first = r.metrics.find((m) => m.testAccuracy === r.summary.bestTestAccuracy)!;
    assert.equal(best.metadata.iteration, String(first.iter));
    // The same run stopped at that iteration (runs are functions of the seed) ends at the same θ.
    const short = await run({ ...common, iters: Number(first.iter), evalEvery: 1, noiseTableSize: 1 << 18 });
    assert.ok(sameBits(concatenated(best), concatenated(thetaIn(join(short.out, 'theta.safetensors')))));
  });
});

describe('a run stopped early (Ctrl-C)', () => {
  it('writes the model files of θ after the last completed iteration, the checkpoint’s', async () => {
    const stop = new AbortController();
    const out = join(tmp, 'stopped');
    const poll = setInterval(() => {
      try {
        if (readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').length > 5) stop.abort();
      } catch {
        // not written yet
      }
    }, 2);
    const r = await run(
      { algo: 'sgd', model: 'mlp', iters: 1_000_000, evalEvery: 1_000_000, out },
      stop.signal,
    );
    clearInterval(poll);
    assert.equal(r.summary.interrupted, true);
    const checkpoint = readCheckpoint(r.out);
    const theta = thetaIn(join(r.out, 'theta.safetensors'));
    assert.equal(theta.metadata.iteration, String(checkpoint.loop.iteration));
    assert.ok(sameBits(concatenated(theta), checkpoint.state.thetaP));
    const exported = await exportRun(r.out, 'onnx');
    assert.equal(exported.iteration, checkpoint.loop.iteration);
    assert.deepEqual(Buffer.from(exported.bytes), readFileSync(join(r.out, 'model.onnx')));
  });
});

/** A dense net of its own: pixels [N, 784] → Reshape (an int64 constant) → MatMul + Add → Relu → MatMul + Add → Mul(scale) → scores. */
function denseOnnx(): Uint8Array {
  const g = new GraphBuilder('users-dense');
  g.input('pixels', 'float32', ['batch', 784]);
  const flat = g.op1('Reshape', ['pixels', g.constant([-1, 784])]); // an int64 initializer: a constant, not θ
  const h = g.op1('Relu', [g.op1('Add', [g.op1('MatMul', [flat, 'w1']), 'b1'])]);
  g.op1('Mul', [g.op1('Add', [g.op1('MatMul', [h, 'w2']), 'b2']), 'scale'], {}, 'scores');
  g.output('scores', 'float32', ['batch', 10]);
  return withInitializers(g.toBytes(), [
    floatInit('w1', [784, 16], values(784 * 16, 1, 0.05)),
    floatInit('b1', [16], values(16, 2, 0.01), true),
    floatInit('w2', [16, 10], values(160, 3, 0.3)),
    floatInit('b2', [10], values(10, 4, 0.01)),
    floatInit('scale', [1], Float32Array.of(1)),
  ]);
}

describe('an imported ONNX model trained with ES', async () => {
  const dir = join(tmp, 'users');
  mkdirSync(dir);
  const file = join(dir, 'dense.onnx');
  const original = denseOnnx();
  writeFileSync(file, original);
  const r = await run({
    algo: 'es',
    model: file,
    population: 16,
    evaluator: 'local',
    iters: 3,
    evalEvery: 3,
    noiseTableSize: 1 << 18,
  });
  const trained = onnx.ModelProto.decode(readFileSync(join(r.out, 'model.onnx')));
  const own = onnx.ModelProto.decode(original);

  it('model.onnx is its own graph with the trained θ as its float initializers', () => {
    const graphOf = (m: typeof own) =>
      onnx.GraphProto.encode({ ...m.graph!, initializer: [] } as onnxProto.onnx.IGraphProto).finish();
    assert.deepEqual(graphOf(trained), graphOf(own));
    assert.deepEqual(
      trained.graph!.initializer!.map((t) => t.name),
      own.graph!.initializer!.map((t) => t.name),
    );
    const theta = concatenated(thetaIn(join(r.out, 'theta.safetensors')));
    let at = 0;
    for (const [i, t] of trained.graph!.initializer!.entries()) {
      if (t.dataType !== 1) {
        assert.deepEqual(t, own.graph!.initializer![i]);
        continue;
      }
      const size = (t.dims ?? []).reduce((a, b) => a * Number(b), 1);
      const raw = t.rawData!;
      const got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      assert.ok(sameBits(got, theta.subarray(at, at + size)), t.name ?? '');
      at += size;
    }
    assert.equal(at, theta.length);
    assert.ok(!sameBits(theta, values(784 * 16, 1, 0.05)), 'training changed θ');
  });

  it('gives exactly the run’s final test accuracy in a fresh ORT session', async () => {
    assert.equal(await accuracyOf(join(r.out, 'model.onnx'), [784]), r.summary.finalTestAccuracy);
  });

  it('exports again when the source file has moved: the run’s own model.onnx holds the graph', async () => {
    rmSync(file);
    const again = await exportRun(r.out, 'onnx');
    assert.deepEqual(Buffer.from(again.bytes), readFileSync(join(r.out, 'model.onnx')));
    copyFileSync(join(r.out, 'model.onnx'), file); // as if restored
  });
});
