// Thin wrapper over onnxruntime-node: creating CPU sessions with esgrad's options and making
// float32 tensors that are zero-copy views of existing arrays (θ, the noise table, a batch).
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Intra-op threads of the session (0 lets ONNX Runtime use every core). */
  readonly threads?: number;
}

export type Feeds = Record<string, ort.Tensor>;

export async function createSession(modelBytes: Uint8Array, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.threads ?? 0,
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
