// Any ONNX model as an esgrad Model: θ = its float32 initializers (see importOnnx), the loss and the
// K-copies population graphs built around its graph, sessions cached per graph and fed zero-copy views.
import type * as ort from 'onnxruntime-node';
import type { ParamLayout } from '../model/architecture.ts';
import { IO } from '../model/graphs.ts';
import type { Batch, Vec } from '../types.ts';
import type { LossKind, LossResult, Model, Perturbation } from './model.ts';
import { oneHot } from './network.ts';
import { importedLossGraph, importedPopulationGraph, thetaInput } from './onnx-graphs.ts';
import { type ImportedOnnx, importOnnx } from './onnx-import.ts';
import {
  createSession,
  type Feeds,
  f32,
  nchwcBlockSize,
  outputData,
  type SessionOptions,
} from './session.ts';

/** Evaluation of a whole split in chunks of this many examples (as Network.evaluate). */
const EVAL_CHUNK = 1000;

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
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  /** Decodes and checks the file now (a UsageError names it and the problem); sessions are made lazily. */
  constructor(
    source: OnnxModelSource,
    private readonly opts: SessionOptions = {},
  ) {
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

  /** The cached session of a graph; `build` gets the NCHWc block size (0 when opts.nchwc is false). */
  private session(key: string, build: (nchwcBlock: number) => Uint8Array): Promise<ort.InferenceSession> {
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => {
        const block = this.opts.nchwc === false ? 0 : await nchwcBlockSize();
        return createSession(build(block), this.opts);
      })();
      this.sessions.set(key, s);
    }
    return s;
  }

  private checkTheta(thetaP: Vec): void {
    if (thetaP.length !== this.size)
      throw new Error(`θ has ${thetaP.length} values, ${this.name} needs ${this.size}`);
  }

  /** One zero-copy view per θ tensor of `vec` from `offset`, fed as input name(param). */
  private paramFeeds(vec: Float32Array, offset: number, name: (param: string) => string, feeds: Feeds): void {
    for (const s of this.layout.slices)
      feeds[name(s.name)] = f32(vec.subarray(offset + s.offset, offset + s.offset + s.size), s.shape);
  }

  /** x in the model's own dims [B, ...] (a view of the batch's pixels) and one-hot y [B, classes]. */
  private batchFeeds(batch: Batch, x: string, y: string, feeds: Feeds): void {
    feeds[x] = f32(batch.imagesBxHxW, [batch.count, ...this.imported.input.exampleDims]);
    feeds[y] = f32(oneHot(batch.labelsB, this.classes), [batch.count, this.classes]);
  }

  async loss(thetaP: Vec, batch: Batch): Promise<LossResult> {
    this.checkTheta(thetaP);
    const feeds: Feeds = {};
    this.paramFeeds(thetaP, 0, thetaInput, feeds);
    this.batchFeeds(batch, IO.x, IO.y, feeds);
    const session = await this.session('loss', (block) =>
      importedLossGraph(this.imported, this.lossKind, block),
    );
    const out = await session.run(feeds);
    return { loss: outputData(out, IO.loss)[0]!, correct: outputData(out, IO.correct)[0]! };
  }

  async evaluate(
    thetaP: Vec,
    images: Float32Array,
    labels: Int32Array,
  ): Promise<{ loss: number; accuracy: number }> {
    const pixels = this.inputCHW.reduce((a, b) => a * b, 1);
    let lossSum = 0,
      correct = 0;
    for (let start = 0; start < labels.length; start += EVAL_CHUNK) {
      const end = Math.min(labels.length, start + EVAL_CHUNK);
      const batch: Batch = {
        imagesBxHxW: images.subarray(start * pixels, end * pixels),
        labelsB: labels.subarray(start, end),
        count: end - start,
      };
      const r = await this.loss(thetaP, batch);
      lossSum += r.loss * batch.count;
      correct += r.correct;
    }
    return { loss: lossSum / labels.length, accuracy: correct / labels.length };
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
    this.checkTheta(thetaP);
    const K = copies.length;
    if (batches.length !== K) throw new Error(`populationLosses: ${K} copies but ${batches.length} batches`);
    if (K === 0) return new Float32Array(0);
    const sharedBatch = batches.every((b) => b === batches[0]);
    const pairs = K % 2 === 0 && copies.every((c, k) => k % 2 === 0 || c.offset === copies[k - 1]!.offset);
    const feeds: Feeds = {};
    this.paramFeeds(thetaP, 0, thetaInput, feeds);
    copies.forEach((c, k) => {
      if (c.offset < 0 || c.offset + this.size > noise.length)
        throw new Error(
          `noise offset ${c.offset} + P ${this.size} exceeds the noise table (${noise.length})`,
        );
      if (!pairs || k % 2 === 0)
        this.paramFeeds(noise, c.offset, (n) => IO.noise(pairs ? k / 2 : k, n), feeds);
      feeds[IO.coef(k)] = f32(Float32Array.of(c.coef), []);
    });
    if (sharedBatch) this.batchFeeds(batches[0]!, IO.x, IO.y, feeds);
    else {
      const seen = new Map<Batch, Feeds>();
      batches.forEach((batch, k) => {
        let xy = seen.get(batch);
        if (!xy) {
          xy = {};
          this.batchFeeds(batch, 'x', 'y', xy);
          seen.set(batch, xy);
        }
        feeds[IO.xk(k)] = xy.x!;
        feeds[IO.yk(k)] = xy.y!;
      });
    }
    const key = `population-${K}-${sharedBatch ? 'shared' : 'own'}${pairs ? '-pairs' : ''}`;
    const session = await this.session(key, (nchwcBlock) =>
      importedPopulationGraph(this.imported, this.lossKind, K, { sharedBatch, pairs, nchwcBlock }),
    );
    return outputData(await session.run(feeds), IO.losses);
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}
