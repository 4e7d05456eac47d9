// Thin wrapper over onnxruntime-node: creating CPU sessions with esgrad's options and making
// float32 tensors that are zero-copy views of existing arrays (θ, the noise table, a batch).

import { availableParallelism } from 'node:os';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Intra-op threads of the session (0: one per core this process may use, availableParallelism()). */
  readonly threads?: number;
  /** Population graphs may use ORT's NCHWc kernels when the CPU build has them (default true). */
  readonly nchwc?: boolean;
}

export type Feeds = Record<string, ort.Tensor>;

export async function createSession(
  modelBytes: Uint8Array,
  opts: SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // An explicit count, not ORT's own default (0), which pins its pool threads to cores: on the 2-core
    // development VM an SGD step on cnn-3m took 46-58 ms with 0 and 41-44 ms with 2 (bench/FINDINGS.md).
    intraOpNumThreads: opts.threads || availableParallelism(),
    interOpNumThreads: 1,
  });
}

/** A float32 tensor over `data` without copying it (data may be a subarray of a larger array). */
export function f32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** The float32 data of an output tensor. */
export function outputData(out: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = out[name];
  if (!t) throw new Error(`session returned no output '${name}'`);
  return t.data as Float32Array;
}

let nchwcBlock: Promise<number> | undefined;

/**
 * The block size of ONNX Runtime's NCHWc CPU kernels on this machine (16 with AVX-512, 8 with AVX2),
 * or 0 if this build has none: the channel count a com.microsoft.nchwc ReorderInput pads 4 up to.
 */
export function nchwcBlockSize(): Promise<number> {
  nchwcBlock ??= (async () => {
    const { onnx } = onnxProto;
    const info = (name: string): onnxProto.onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: 1 } },
    });
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.microsoft.nchwc', version: 1 },
      ],
      graph: {
        name: 'nchwc-probe',
        node: [{ opType: 'ReorderInput', domain: 'com.microsoft.nchwc', input: ['x'], output: ['y'] }],
        input: [info('x')],
        output: [info('y')],
      },
    }).finish();
    try {
      const s = await createSession(bytes, { threads: 1 });
      const y = (await s.run({ x: f32(new Float32Array(4), [1, 4, 1, 1]) })).y;
      await s.release();
      return y?.dims[1] ?? 0;
    } catch {
      return 0;
    }
  })();
  return nchwcBlock;
}

/** The NCHWc block size a model with these options may use: 0 when opts.nchwc is false. */
export async function nchwcBlockFor(opts: SessionOptions): Promise<number> {
  return opts.nchwc === false ? 0 : nchwcBlockSize();
}

/** One model's sessions, one per graph key, made on first use and released together. */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(private readonly opts: SessionOptions = {}) {}

  /** The session of graph `key`, built from `build()`'s model bytes the first time. */
  get(key: string, build: () => Uint8Array | Promise<Uint8Array>): Promise<ort.InferenceSession> {
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => createSession(await build(), this.opts))();
      this.sessions.set(key, s);
    }
    return s;
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}
