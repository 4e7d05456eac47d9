// A network on ONNX Runtime: sessions for its loss, gradient, logits and population graphs, fed
// with θ and the noise table as zero-copy views. The one resource every evaluator and loop uses.
import {
  type Architecture,
  getArchitecture,
  lossKind,
  numClasses,
  type ParamLayout,
  paramLayout,
} from '../model/architecture.ts';
import { gradGraph, IO, logitsGraph, lossGraph, populationGraph } from '../model/graphs.ts';
import { initParams } from '../model/init.ts';
import type { Batch, Vec } from '../types.ts';
import {
  type BatchShape,
  batchFeeds,
  checkTheta,
  evaluateInChunks,
  paramFeeds,
  populationFeeds,
} from './feeds.ts';
import type { GradResult, LossKind, LossResult, Model, Perturbation } from './model.ts';
import { type Feeds, f32, nchwcBlockFor, outputData, SessionCache, type SessionOptions } from './session.ts';

export type { GradResult, LossResult, Perturbation } from './model.ts';

/** A network built from an Architecture (a built-in name or a spec): the ONNX graphs esgrad emits for it. */
export class Network implements Model {
  readonly layout: ParamLayout;
  readonly classes: number;
  readonly lossKind: LossKind;
  private readonly sessions: SessionCache;

  constructor(
    readonly arch: Architecture,
    private readonly opts: SessionOptions = {},
  ) {
    this.sessions = new SessionCache(opts);
    this.layout = paramLayout(arch);
    this.classes = numClasses(arch);
    this.lossKind = lossKind(arch);
  }

  static byName(name: string, opts: SessionOptions = {}): Network {
    return new Network(getArchitecture(name), opts);
  }

  get size(): number {
    return this.layout.size;
  }

  get name(): string {
    return this.arch.name;
  }

  get inputCHW(): readonly [number, number, number] {
    return this.arch.inputCHW;
  }

  initialTheta(seed: number): Vec {
    return initParams(this.layout, seed);
  }

  private get batchShape(): BatchShape {
    return { exampleDims: this.arch.inputCHW, classes: this.classes };
  }

  private thetaFeeds(thetaP: Vec, batch: Batch): Feeds {
    checkTheta(thetaP, this.layout, this.name);
    const feeds: Feeds = {};
    paramFeeds(this.layout, thetaP, 0, (n) => n, feeds);
    batchFeeds(batch, this.batchShape, IO.x, IO.y, feeds);
    return feeds;
  }

  /** Mean loss (the architecture's: cross-entropy or mse) and number of correct predictions on a batch. */
  async loss(thetaP: Vec, batch: Batch): Promise<LossResult> {
    const session = await this.sessions.get('loss', async () =>
      lossGraph(this.arch, { nchwcBlock: await nchwcBlockFor(this.opts) }),
    );
    const out = await session.run(this.thetaFeeds(thetaP, batch));
    return { loss: outputData(out, IO.loss)[0]!, correct: outputData(out, IO.correct)[0]! };
  }

  /** Loss, correct count and dLoss/dθ [P] on a batch. */
  async lossAndGrad(thetaP: Vec, batch: Batch): Promise<GradResult> {
    const session = await this.sessions.get('grad', async () =>
      gradGraph(this.arch, { nchwcBlock: await nchwcBlockFor(this.opts) }),
    );
    const out = await session.run(this.thetaFeeds(thetaP, batch));
    return {
      loss: outputData(out, IO.loss)[0]!,
      correct: outputData(out, IO.correct)[0]!,
      gradP: outputData(out, IO.grad),
    };
  }

  /** Logits [B × classes] (row-major). */
  async logits(thetaP: Vec, imagesBxHxW: Float32Array, count: number): Promise<Float32Array> {
    checkTheta(thetaP, this.layout, this.name);
    const feeds: Feeds = {};
    paramFeeds(this.layout, thetaP, 0, (n) => n, feeds);
    feeds[IO.x] = f32(imagesBxHxW, [count, ...this.arch.inputCHW]);
    const session = await this.sessions.get('logits', async () =>
      logitsGraph(this.arch, { nchwcBlock: await nchwcBlockFor(this.opts) }),
    );
    const out = await session.run(feeds);
    return outputData(out, IO.logits);
  }

  /** Mean loss and accuracy over a whole split (e.g. the 10,000 test images), in chunks. */
  evaluate(
    thetaP: Vec,
    images: Float32Array,
    labels: Int32Array,
  ): Promise<{ loss: number; accuracy: number }> {
    const exampleSize = this.arch.inputCHW.reduce((a, b) => a * b, 1);
    return evaluateInChunks((batch) => this.loss(thetaP, batch), exampleSize, images, labels);
  }

  /**
   * Losses of K perturbed copies in one session run: copy k has parameters θ + coef_k · noise[offset_k ..)
   * and is evaluated on batches[k]. Pass the same Batch object K times for a shared mini-batch: the
   * graph then runs the first layer once for all copies; mirrored pairs (copies 2u and 2u+1 with one
   * offset) read their noise window once (see populationGraph).
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
      (n) => n,
      thetaP,
      noise,
      copies,
      batches,
    );
    const session = await this.sessions.get(key, async () =>
      populationGraph(this.arch, K, { sharedBatch, nchwcBlock: await nchwcBlockFor(this.opts), pairs }),
    );
    return outputData(await session.run(feeds), IO.losses);
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
