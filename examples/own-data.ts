// Your own data and a network from a spec, in memory: 3-channel 8×8 images whose class is the
// brightest colour channel, a small conv net trained by ES on them through the library.
import { datasetFromArrays, parseTrainConfig, train } from 'esgrad';

/** `count` random images [count, 3, 8, 8]; label = the channel with the largest mean. */
function colours(count: number, seed: number): { images: Float32Array; labels: Int32Array } {
  let s = seed;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) >>> 0; // a linear congruential generator
    return s / 2 ** 32;
  };
  const images = new Float32Array(count * 3 * 64);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = Math.floor(rand() * 3);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 64; p++) images[(n * 3 + c) * 64 + p] = rand() * (c === labels[n] ? 1 : 0.6);
  }
  return { images, labels };
}

const data = datasetFromArrays({
  name: 'colours',
  train: { ...colours(2000, 1), shape: [3, 8, 8] },
  test: { ...colours(500, 2), shape: [3, 8, 8] },
});
const model = {
  name: 'colour-net',
  inputCHW: [3, 8, 8] as [number, number, number],
  layers: [
    { kind: 'conv2d' as const, filters: 4, kernel: 3 },
    { kind: 'leaky-relu' as const },
    { kind: 'avgpool' as const, kernel: 8 },
    { kind: 'flatten' as const },
    { kind: 'dense' as const, units: 3 },
  ],
};
const config = parseTrainConfig({
  algo: 'es',
  population: 100,
  sigma: 0.05,
  lr: 0.05,
  iters: 40,
  evalEvery: 40,
  evaluator: 'local',
  out: process.argv[2] ?? 'runs/own-data-example',
});
const summary = await train(config, { model, data, quiet: true });
console.log(`colours: test accuracy ${(100 * Number(summary.finalTestAccuracy)).toFixed(1)}% (chance 33.3%)`);
