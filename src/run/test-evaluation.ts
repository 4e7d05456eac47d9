// The test-set evaluations of a run: the full test split, and (--eval-subset N) the fixed subset of
// its first N images that the periodic evaluations use instead, both through Model.evaluate.
import type { Model } from '../backend/model.ts';
import type { Split } from '../data/types.ts';
import { UsageError, type Vec } from '../types.ts';

export type TestEvaluation = (thetaP: Vec) => Promise<{ loss: number; accuracy: number }>;

/** The first n examples of a split, as views (no copy). */
export function firstExamples(split: Split, n: number): { images: Float32Array; labels: Int32Array } {
  const exampleSize = split.channels * split.rows * split.cols;
  return { images: split.imagesNxHxW.subarray(0, n * exampleSize), labels: split.labelsN.subarray(0, n) };
}

/**
 * `full` evaluates the whole test split; `subset` (only when evalSubset > 0) its first evalSubset
 * images — the same images at every evaluation and in every run, whatever the seed. A subset as
 * large as the test split or larger is refused (evaluate the full set: --eval-subset 0).
 */
export function testEvaluations(
  model: Model,
  test: Split,
  evalSubset: number,
): { full: TestEvaluation; subset?: TestEvaluation } {
  const full: TestEvaluation = (thetaP) => model.evaluate(thetaP, test.imagesNxHxW, test.labelsN);
  if (evalSubset === 0) return { full };
  if (evalSubset >= test.count)
    throw new UsageError(
      `--eval-subset ${evalSubset}: the test set has only ${test.count} images (0 evaluates all of them every time)`,
    );
  const { images, labels } = firstExamples(test, evalSubset);
  return { full, subset: (thetaP) => model.evaluate(thetaP, images, labels) };
}
