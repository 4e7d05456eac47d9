// The trained model a run leaves in its directory: model.onnx (self-contained, θ as initializers) and
// theta.safetensors (one F32 tensor per θ slice), and with keepBest the same at the best test accuracy.
import { join } from 'node:path';
import type { Model } from '../backend/model.ts';
import { onnxWithTheta } from '../backend/onnx-export.ts';
import type { ModelSource } from '../backend/source.ts';
import { encodeSafetensors, type SafetensorsMetadata } from '../model/safetensors.ts';
import type { Vec } from '../types.ts';
import { writeFileAtomic } from './files.ts';
import type { Reporter } from './reporter.ts';

export const MODEL_FILE = 'model.onnx';
export const THETA_FILE = 'theta.safetensors';
export const BEST_MODEL_FILE = 'model-best.onnx';
export const BEST_THETA_FILE = 'theta-best.safetensors';

/** The safetensors metadata of θ after `iteration` iterations of a model named `model`. */
export function thetaMetadata(model: string, iteration: number): SafetensorsMetadata {
  return { format: 'esgrad', model, iteration: String(iteration) };
}

/** The bytes of both model files of θ after `iteration` iterations. */
export function modelFileBytes(
  source: ModelSource,
  model: Pick<Model, 'name' | 'layout'>,
  thetaP: Float32Array,
  iteration: number,
): { readonly onnx: Uint8Array; readonly safetensors: Uint8Array } {
  return {
    onnx: onnxWithTheta(source, thetaP),
    safetensors: encodeSafetensors(model.layout, thetaP, thetaMetadata(model.name, iteration)),
  };
}

export interface ModelFilesOptions {
  /** Also keep model-best.onnx and theta-best.safetensors: θ at the best test accuracy seen. */
  readonly keepBest: boolean;
  /** A resumed run: θ and the best test accuracy at its checkpoint (best files are replaced only on a better one). */
  readonly resumeAt?: { readonly iteration: number; readonly best: number; readonly thetaP: Float32Array };
}

/**
 * A Reporter writing the run's model files into `dir`: model.onnx and theta.safetensors when the run
 * ends, and also when it stops early (Ctrl-C, a failure) with θ after the last completed iteration,
 * the θ its checkpoint holds. With keepBest, the best files are written at each eval iteration whose
 * test accuracy beats every earlier one (the first eval always), so they survive any stop.
 */
export function modelFilesReporter(
  dir: string,
  source: ModelSource,
  model: Pick<Model, 'name' | 'layout'>,
  opts: ModelFilesOptions,
): Reporter {
  const lastP = new Float32Array(model.layout.size);
  let lastIteration = 0;
  let haveTheta = false;
  if (opts.resumeAt) {
    lastP.set(opts.resumeAt.thetaP);
    lastIteration = opts.resumeAt.iteration;
    haveTheta = true;
  }
  let best = opts.resumeAt?.best ?? Number.NEGATIVE_INFINITY;
  let written = false;
  const write = (onnxName: string, thetaName: string, thetaP: Float32Array, iteration: number): void => {
    const bytes = modelFileBytes(source, model, thetaP, iteration);
    writeFileAtomic(join(dir, onnxName), bytes.onnx, true);
    writeFileAtomic(join(dir, thetaName), bytes.safetensors, true);
  };
  const writeLast = (): void => {
    if (written || !haveTheta) return;
    write(MODEL_FILE, THETA_FILE, lastP, lastIteration);
    written = true;
  };
  return {
    onIteration(m, thetaP: Vec) {
      lastP.set(thetaP); // the step's own array changes in the next iteration
      lastIteration = Number(m.iter);
      haveTheta = true;
      if (opts.keepBest && typeof m.testAccuracy === 'number' && m.testAccuracy > best) {
        best = m.testAccuracy;
        write(BEST_MODEL_FILE, BEST_THETA_FILE, lastP, lastIteration);
      }
    },
    onEnd: writeLast,
    close() {
      // An early stop: θ after the last completed iteration. A failure here must not hide the run's own.
      try {
        writeLast();
      } catch {
        // the checkpoint still holds this θ: `esgrad export` rebuilds the files from it
      }
    },
  };
}
