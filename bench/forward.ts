// Forward-pass throughput of the paper's networks through Network.logits: images/s and GFLOP/s at
// batch 50 (a mini-batch) and 1000, and test-set evaluation (Network.evaluate, chunks of 1000) beside them.
import { Network } from '../src/backend/network.ts';
import { forwardMacsPerExample } from '../src/model/architecture.ts';
import { initParams } from '../src/model/init.ts';
import type { BenchRow } from './table.ts';
import { randomBatch, timeIt } from './timing.ts';

export const BENCH_MODELS = ['cnn-29k', 'cnn-3m'] as const;

/** Images of a test-set evaluation (MNIST's test split). */
const TEST_IMAGES = 10_000;

export async function benchForward(repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const model of BENCH_MODELS) {
    const net = Network.byName(model);
    const thetaP = initParams(net.layout, 1);
    for (const batch of [50, 1000]) {
      const { imagesBxHxW } = randomBatch(batch);
      const t = await timeIt(() => net.logits(thetaP, imagesBxHxW, batch), repeats, 2);
      const images = batch / t.median;
      rows.push({
        section: 'forward',
        name: model,
        batch,
        seconds: t.median,
        rate: images,
        unit: 'images/s',
        gflops: (images * 2 * forwardMacsPerExample(net.arch)) / 1e9,
      });
    }
    const test = randomBatch(TEST_IMAGES);
    const t = await timeIt(
      () => net.evaluate(thetaP, test.imagesBxHxW, test.labelsB),
      Math.max(3, Math.ceil(repeats / 3)),
      1,
    );
    const images = TEST_IMAGES / t.median;
    rows.push({
      section: 'forward',
      name: `${model} test-set evaluation`,
      batch: 1000,
      seconds: t.median,
      rate: images,
      unit: 'images/s',
      gflops: (images * 2 * forwardMacsPerExample(net.arch)) / 1e9,
      note: `loss + accuracy of ${TEST_IMAGES.toLocaleString('en-US')} images, chunks of 1000`,
    });
    await net.close();
  }
  return rows;
}
