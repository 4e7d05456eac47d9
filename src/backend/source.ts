// Where a model comes from, as a value that travels to workers: a spec (built-in or from a JSON
// file) or the bytes of an ONNX file; its sha256 fingerprint; and the Model it opens as.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Architecture, getArchitecture } from '../model/architecture.ts';
import { UsageError } from '../types.ts';
import type { LossKind, Model } from './model.ts';
import { Network } from './network.ts';
import { OnnxModel } from './onnx-model.ts';
import type { SessionOptions } from './session.ts';

export type ModelSource =
  | { readonly format: 'spec'; readonly spec: Architecture }
  | {
      readonly format: 'onnx';
      /** The file's base name, for messages. */
      readonly name: string;
      readonly bytes: Uint8Array;
      readonly loss: LossKind;
    };

/** A built-in network by name. */
export function builtinSource(name: string): ModelSource {
  return { format: 'spec', spec: getArchitecture(name) };
}

/** JSON with object keys sorted, so equal specs hash equally however they were written. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An ONNX file read into a source (its bytes travel to workers); unreadable → one-line UsageError. */
export function modelSourceFromFile(path: string, loss: LossKind): ModelSource {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `cannot read ONNX model ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return { format: 'onnx', name: basename(path), bytes, loss };
}

/** sha256 (hex) of what defines the model's function: the spec's canonical JSON, or the ONNX bytes and loss. */
export function modelFingerprint(source: ModelSource): string {
  const h = createHash('sha256').update(source.format);
  if (source.format === 'spec') h.update(canonicalJson(source.spec));
  else h.update(source.loss).update(source.bytes);
  return h.digest('hex');
}

/** The model a source describes, with its ONNX Runtime sessions made lazily. */
export function openModel(source: ModelSource, opts: SessionOptions = {}): Model {
  if (source.format === 'spec') return new Network(source.spec, opts);
  return new OnnxModel(source, opts);
}
