// A network from a spec file, and the paper's question asked of it: how well does the ES gradient
// correlate with backprop's on this net (ρ every 5 iterations), and where does ES get in 20 steps?
import { parseTrainConfig, train } from 'esgrad';

const config = parseTrainConfig({
  algo: 'es',
  model: new URL('./small-cnn.json', import.meta.url).pathname,
  population: 500,
  sigma: 0.01,
  lr: 0.01,
  iters: 20,
  evalEvery: 20,
  corrEvery: 5,
  out: process.argv[2] ?? 'runs/spec-net-example',
});
const s = await train(config, { quiet: true });
console.log(
  `${s.model}: ${s.params} parameters, mean ρ(g_ES, g_True) ${(100 * Number(s.meanCorr)).toFixed(1)}%, test accuracy ${(100 * Number(s.finalTestAccuracy)).toFixed(1)}%`,
);
