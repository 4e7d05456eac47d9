// Independent readers for the model-files tests: MNIST's test IDX files, a safetensors parser (and
// Python's, when python3 with numpy is here), and a model's accuracy through a fresh plain ORT session.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

/** The MNIST test split straight from its IDX files: pixels / 255 as float32, labels. */
export function mnistTest(dir: string): { pixels: Float32Array; labels: Uint8Array; count: number } {
  const images = gunzipSync(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz')));
  assert.equal(images.readUInt32BE(0), 0x803);
  const count = images.readUInt32BE(4);
  const size = images.readUInt32BE(8) * images.readUInt32BE(12);
  const pixels = new Float32Array(count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[16 + i]! / 255;
  return { pixels, labels: new Uint8Array(labels.subarray(8, 8 + count)), count };
}

/** Correct predictions (argmax of the first output vs label) of an ONNX file in a fresh ORT session. */
export async function plainOrtCorrect(
  file: string,
  data: { pixels: Float32Array; labels: Uint8Array; count: number },
  exampleDims: readonly number[],
): Promise<number> {
  const session = await ort.InferenceSession.create(file);
  const size = exampleDims.reduce((a, b) => a * b, 1);
  let correct = 0;
  try {
    for (let start = 0; start < data.count; start += 1000) {
      const n = Math.min(1000, data.count - start);
      const x = new ort.Tensor('float32', data.pixels.slice(start * size, (start + n) * size), [
        n,
        ...exampleDims,
      ]);
      const out = await session.run({ [session.inputNames[0]!]: x });
      const logits = out[session.outputNames[0]!]!;
      const classes = logits.dims[1]!;
      const values = logits.data as Float32Array;
      for (let i = 0; i < n; i++) {
        let arg = 0;
        for (let c = 1; c < classes; c++) if (values[i * classes + c]! > values[i * classes + arg]!) arg = c;
        if (arg === data.labels[start + i]) correct++;
      }
    }
  } finally {
    await session.release();
  }
  return correct;
}

export interface ParsedSafetensors {
  readonly metadata: Record<string, string>;
  /** Tensors in data order. */
  readonly tensors: { name: string; dtype: string; shape: number[]; data: Float32Array }[];
}

/** A safetensors parser of its own, checking what standard readers require: 8-byte-aligned data, a contiguous cover of it. */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(buf.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data starts on an 8-byte boundary');
  const text = buf.toString('utf8', 8, 8 + n);
  assert.equal(text[0], '{');
  const header = JSON.parse(text) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: number[] }
  >;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const entries = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .sort(([, a], [, b]) => a.data_offsets[0]! - b.data_offsets[0]!);
  let at = 0;
  const tensors = entries.map(([name, t]) => {
    const [begin, end] = t.data_offsets as [number, number];
    assert.equal(begin, at, `${name} starts where the previous tensor ends`);
    assert.equal(
      end - begin,
      4 * t.shape.reduce((a, b) => a * b, 1),
      `${name}: bytes = 4 · its shape's size`,
    );
    at = end;
    const data = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(8 + n + begin + 4 * i);
    return { name, dtype: t.dtype, shape: t.shape, data };
  });
  assert.equal(8 + n + at, buf.length, 'the tensors cover the data section exactly');
  return { metadata, tensors };
}

/** The tensors' values concatenated in data order (θ when written in layout order). */
export function concatenated(parsed: ParsedSafetensors): Float32Array {
  const out = new Float32Array(parsed.tensors.reduce((a, t) => a + t.data.length, 0));
  let at = 0;
  for (const t of parsed.tensors) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

const PYTHON_READER = `
import json, struct, sys
import numpy as np
path, out = sys.argv[1], sys.argv[2]
b = open(path, 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
names = sorted((k for k in h if k != '__metadata__'), key=lambda k: h[k]['data_offsets'][0])
arrays = {}
try:
    from safetensors.numpy import load_file
    arrays = load_file(path)
    reader = 'safetensors'
except ImportError:
    reader = 'numpy'
    for k in names:
        a, e = h[k]['data_offsets']
        arrays[k] = np.frombuffer(b[8 + n + a:8 + n + e], dtype='<f4').reshape(h[k]['shape'])
open(out, 'wb').write(np.concatenate([arrays[k].astype('<f4').ravel() for k in names]).tobytes())
print(json.dumps({'reader': reader, 'names': names, 'shapes': [list(arrays[k].shape) for k in names]}))
`;

/**
 * What Python reads from a safetensors file (the safetensors package if installed, else numpy on the
 * documented layout): names and shapes in data order and the values concatenated; undefined without numpy.
 */
export function pythonReads(
  file: string,
): { reader: string; names: string[]; shapes: number[][]; values: Float32Array } | undefined {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const out = join(tmpdir(), `esgrad-py-${process.pid}.bin`);
  const script = join(tmpdir(), `esgrad-py-${process.pid}.py`);
  writeFileSync(script, PYTHON_READER);
  const r = spawnSync('python3', [script, file, out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const bytes = readFileSync(out);
  return {
    ...(JSON.parse(r.stdout) as { reader: string; names: string[]; shapes: number[][] }),
    values: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  };
}

/** Bitwise equality of two float32 arrays (NaN payloads and -0 included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
