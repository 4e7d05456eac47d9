// What `--model` names, resolved before any data is read: a built-in network, a spec file (.json) or
// an ONNX file (.onnx), as the ModelSource every evaluator builds from.
import { basename } from 'node:path';
import type { LossKind, Model } from '../backend/model.ts';
import { builtinSource, type ModelSource, modelSourceFromFile } from '../backend/source.ts';
import type { Dataset } from '../data/index.ts';
import { listArchitectures } from '../model/architecture.ts';
import { loadArchitecture } from '../model/spec.ts';
import { UsageError } from '../types.ts';

/** The source `--model` names; `loss` applies to an ONNX file (a spec states its own). */
export function modelSource(model: string, loss?: LossKind): ModelSource {
  if (/\.onnx$/i.test(model)) return modelSourceFromFile(model, loss ?? 'cross-entropy');
  if (loss !== undefined && !/\.json$/i.test(model))
    throw new UsageError(`--loss applies to an ONNX model; ${model} uses cross-entropy`);
  if (/\.json$/i.test(model)) {
    const spec = loadArchitecture(model);
    if (loss !== undefined && loss !== (spec.loss ?? 'cross-entropy'))
      throw new UsageError(`--loss ${loss}: ${model} states its own loss; set "loss" in the file`);
    return { format: 'spec', spec };
  }
  if (!listArchitectures().includes(model))
    throw new UsageError(
      `unknown model '${model}': use one of ${listArchitectures().join(', ')}, a spec file (.json) or an ONNX file (.onnx)`,
    );
  return builtinSource(model);
}

/** A short name for run directories and messages: a built-in name, or a file's base name without its extension. */
export function modelLabel(model: string): string {
  return basename(model).replace(/\.(json|onnx)$/i, '');
}

/** A one-line UsageError unless the dataset's images and labels fit the model's input and output. */
export function checkModelFitsData(model: Model, data: Dataset): void {
  const [C, H, W] = model.inputCHW;
  const { channels, rows, cols } = data.train;
  const flatInput = C === 1 && H === 1; // an ONNX model taking [N, F] rows
  const fits = flatInput ? W === channels * rows * cols : C === channels && H === rows && W === cols;
  if (!fits)
    throw new UsageError(
      `${model.name} takes ${flatInput ? `${W} features` : `${C}×${H}×${W} inputs`} but ${data.label} has ${channels}×${rows}×${cols} images`,
    );
  if (data.classes > model.classes)
    throw new UsageError(
      `${model.name} has ${model.classes} outputs but ${data.label} has labels 0..${data.classes - 1}`,
    );
}
