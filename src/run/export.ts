// A run's trained model as a file again (`esgrad export`): θ from its checkpoint or its final
// theta.safetensors, whichever is later, the model rebuilt from its config; and `esgrad eval` of any ONNX file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LossKind } from '../backend/model.ts';
import { type ModelSource, modelSourceFromFile, openModel } from '../backend/source.ts';
import { loadDataset } from '../data/index.ts';
import type { ParamLayout } from '../model/architecture.ts';
import { thetaFromSafetensors } from '../model/safetensors.ts';
import { UsageError } from '../types.ts';
import { CHECKPOINT_FILE, deserializeCheckpoint } from './checkpoint.ts';
import { checkModelFitsData, modelSource } from './model.ts';
import { MODEL_FILE, modelFileBytes, THETA_FILE } from './model-files.ts';

export type ExportFormat = 'onnx' | 'safetensors';

/** θ of a run, where it came from, and the model it belongs to. */
export interface RunTheta {
  readonly source: ModelSource;
  readonly model: { readonly name: string; readonly layout: ParamLayout };
  readonly thetaP: Float32Array;
  /** Iterations completed when θ was saved. */
  readonly iteration: number;
  /** The file θ was read from: checkpoint.bin or theta.safetensors. */
  readonly from: string;
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${path}: not JSON (${(e as Error).message})`);
  }
}

/**
 * The run's model source from its config (model + loss). An ONNX model whose file is no longer where
 * the run read it falls back to the run's own model.onnx: the same graph, θ is replaced anyway.
 */
function runSource(dir: string, config: Record<string, unknown>): ModelSource {
  const model = String(config.model);
  const loss = config.loss as LossKind | undefined;
  const own = join(dir, MODEL_FILE);
  if (/\.onnx$/i.test(model) && !existsSync(model) && existsSync(own))
    return { format: 'onnx', name: basename(model), bytes: readFileSync(own), loss: loss ?? 'cross-entropy' };
  try {
    return modelSource(model, loss);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${dir}: the run's model: ${e.message}`);
    throw e;
  }
}

/** θ from the checkpoint or the final theta.safetensors of the run in `dir`, whichever is later. */
export async function readRunTheta(dir: string): Promise<RunTheta> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such run directory`);
  const checkpointPath = join(dir, CHECKPOINT_FILE);
  const thetaPath = join(dir, THETA_FILE);
  const checkpoint = existsSync(checkpointPath)
    ? deserializeCheckpoint(readFileSync(checkpointPath), checkpointPath)
    : undefined;
  const config = readJson(join(dir, 'config.json')) ?? checkpoint?.config;
  if (!config) throw new UsageError(`${dir}: not an esgrad run directory (no config.json)`);
  if (!checkpoint && !existsSync(thetaPath))
    throw new UsageError(
      `${dir}: no ${CHECKPOINT_FILE} or ${THETA_FILE}; runs write a checkpoint with --checkpoint-every k or on Ctrl-C`,
    );
  const source = runSource(dir, config);
  const net = openModel(source); // sessions are made lazily: none here
  const model = { name: net.name, layout: net.layout };
  await net.close();
  const fits = (thetaP: Float32Array, file: string): Float32Array => {
    if (thetaP.length !== model.layout.size)
      throw new UsageError(
        `${join(dir, file)}: θ has ${thetaP.length} values but ${model.name} has ${model.layout.size}; was the model file changed after the run?`,
      );
    return thetaP;
  };
  let final: { thetaP: Float32Array; iteration: number } | undefined;
  if (existsSync(thetaPath)) {
    try {
      const { thetaP, metadata } = thetaFromSafetensors(readFileSync(thetaPath), model.layout, thetaPath);
      final = { thetaP, iteration: Number(metadata.iteration ?? 0) };
    } catch (e) {
      if (!checkpoint) throw new UsageError((e as Error).message);
    }
  }
  if (checkpoint && (!final || checkpoint.loop.iteration >= final.iteration))
    return {
      source,
      model,
      thetaP: fits(checkpoint.state.thetaP, CHECKPOINT_FILE),
      iteration: checkpoint.loop.iteration,
      from: CHECKPOINT_FILE,
    };
  return { source, model, thetaP: final!.thetaP, iteration: final!.iteration, from: THETA_FILE };
}

/** The bytes of the run's model as `format` (the same bytes the run writes as model.onnx / theta.safetensors). */
export async function exportRun(
  dir: string,
  format: ExportFormat,
): Promise<{ readonly bytes: Uint8Array; readonly iteration: number; readonly from: string }> {
  const r = await readRunTheta(dir);
  const files = modelFileBytes(r.source, r.model, r.thetaP, r.iteration);
  return { bytes: format === 'onnx' ? files.onnx : files.safetensors, iteration: r.iteration, from: r.from };
}

export interface EvaluateOnnxOptions {
  /** mnist, fashion-mnist or a directory of IDX / .npy files (default mnist). */
  readonly dataset?: string;
  readonly dataDir?: string;
  /** The loss reported (default cross-entropy). */
  readonly loss?: LossKind;
  readonly threads?: number;
  readonly log?: (msg: string) => void;
}

export interface OnnxEvaluation {
  readonly model: string;
  readonly dataset: string;
  readonly count: number;
  readonly correct: number;
  readonly loss: number;
  readonly accuracy: number;
}

/** Test loss and accuracy of any ONNX classifier (the import rules of --model model.onnx) on a dataset's test split. */
export async function evaluateOnnxFile(
  path: string,
  opts: EvaluateOnnxOptions = {},
): Promise<OnnxEvaluation> {
  if (!/\.onnx$/i.test(path)) throw new UsageError(`${path}: esgrad eval takes an ONNX file (.onnx)`);
  const net = openModel(modelSourceFromFile(path, opts.loss ?? 'cross-entropy'), {
    threads: opts.threads ?? 0,
  });
  try {
    const data = await loadDataset(opts.dataset ?? 'mnist', {
      ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
      ...(opts.log ? { onProgress: opts.log } : {}),
    });
    checkModelFitsData(net, data);
    const { imagesNxHxW, labelsN } = data.test;
    const r = await net.evaluate(net.initialTheta(0), imagesNxHxW, labelsN);
    return {
      model: net.name,
      dataset: data.label,
      count: labelsN.length,
      correct: Math.round(r.accuracy * labelsN.length),
      loss: r.loss,
      accuracy: r.accuracy,
    };
  } finally {
    await net.close();
  }
}
