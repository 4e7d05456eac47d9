// Any ONNX model as an esgrad Model: θ = its float32 initializers (see importOnnx), the loss and the
// K-copies population graphs built around its graph, sessions cached per graph and fed zero-copy views.
import type { ParamLayout } from '../model/architecture.ts';
import { IO } from '../model/graphs.ts';
import type { Batch, Vec } from '../types.ts';
import {
  type BatchShape,
  batchFeeds,
  checkTheta,
  evaluateInChunks,
  paramFeeds,
  populationFeeds,
} from './feeds.ts';
import type { LossKind, LossResult, Model, Perturbation } from './model.ts';
import { importedLossGraph, importedPopulationGraph, thetaInput } from './onnx-graphs.ts';
import { type ImportedOnnx, importOnnx } from './onnx-import.ts';
import { type Feeds, nchwcBlockFor, outputData, SessionCache, type SessionOptions } from './session.ts';

/** An ONNX file's bytes and the loss to train it with (a ModelSource of format 'onnx'). */
export interface OnnxModelSource {
  /** The file's base name, for messages. */
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly loss: LossKind;
}

/**
 * An imported ONNX model. θ is every float32 initializer of its main graph, in file order, each a
 * ParamLayout slice named by the initializer; other initializers stay constants. initialTheta ignores
 * the seed and returns the file's own values. No gradient graph: lossAndGrad is absent.
 */
export class OnnxModel implements Model {
  readonly name: string;
  readonly layout: ParamLayout;
  readonly classes: number;
  readonly lossKind: LossKind;
  readonly inputCHW: readonly [number, number, number];
  private readonly imported: ImportedOnnx;
  private readonly sessions: SessionCache;

  /** Decodes and checks the file now (a UsageError names it and the problem); sessions are made lazily. */
  constructor(
    source: OnnxModelSource,
    private readonly opts: SessionOptions = {},
  ) {
    this.sessions = new SessionCache(opts);
    this.imported = importOnnx(source.name, source.bytes);
    this.name = this.imported.model.graph?.name || source.name;
    this.layout = this.imported.layout;
    this.classes = this.imported.output.classes;
    this.lossKind = source.loss;
    this.inputCHW = this.imported.inputCHW;
  }

  get size(): number {
    return this.layout.size;
  }

  /** The file's initializer values (the seed is ignored: an imported model starts where it was saved). */
  initialTheta(_seed: number): Vec {
    return this.imported.thetaP.slice();
  }

  /** x in the model's own dims [B, ...] (a view of the batch's pixels) and one-hot y [B, classes]. */
  private get batchShape(): BatchShape {
    return { exampleDims: this.imported.input.exampleDims, classes: this.classes };
  }

  async loss(thetaP: Vec, batch: Batch): Promise<LossResult> {
    checkTheta(thetaP, this.layout, this.name);
    const feeds: Feeds = {};
    paramFeeds(this.layout, thetaP, 0, thetaInput, feeds);
    batchFeeds(batch, this.batchShape, IO.x, IO.y, feeds);
    const session = await this.sessions.get('loss', async () =>
      importedLossGraph(this.imported, this.lossKind, await nchwcBlockFor(this.opts)),
    );
    const out = await session.run(feeds);
    return { loss: outputData(out, IO.loss)[0]!, correct: outputData(out, IO.correct)[0]! };
  }

  evaluate(
    thetaP: Vec,
    images: Float32Array,
    labels: Int32Array,
  ): Promise<{ loss: number; accuracy: number }> {
    const exampleSize = this.inputCHW.reduce((a, b) => a * b, 1);
    return evaluateInChunks((batch) => this.loss(thetaP, batch), exampleSize, images, labels);
  }

  /**
   * Losses of K perturbed copies in one session run (one cached graph per K, batch sharing and pairing):
   * copy k at θ + coef_k · noise[offset_k ..) on batches[k]. The same Batch object K times is fed once;
   * mirrored pairs (copies 2u, 2u+1 at one offset) feed one noise window.
   */
  async populationLosses(
    thetaP: Vec,
    noise: Float32Array,
    copies: readonly Perturbation[],
    batches: readonly Batch[],
  ): Promise<Float32Array> {
    checkTheta(thetaP, this.layout, this.name);
    const K = copies.length;
    if (K === 0) return new Float32Array(0);
    const { feeds, sharedBatch, pairs, key } = populationFeeds(
      this.layout,
      this.batchShape,
      thetaInput,
      thetaP,
      noise,
      copies,
      batches,
    );
    const session = await this.sessions.get(key, async () =>
      importedPopulationGraph(this.imported, this.lossKind, K, {
        sharedBatch,
        pairs,
        nchwcBlock: await nchwcBlockFor(this.opts),
      }),
    );
    return outputData(await session.run(feeds), IO.losses);
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
