// Any ONNX model: write one (here a spec net exported with its initial θ; in practice your own file),
// then train its float initializers with ES on MNIST, K offspring per ONNX Runtime call.
import { writeFileSync } from 'node:fs';
import { exportOnnx, initParams, loadArchitecture, paramLayout, parseTrainConfig, train } from 'esgrad';

const arch = loadArchitecture(new URL('./small-cnn.json', import.meta.url).pathname);
const file = `${process.argv[2] ?? 'runs'}/small-cnn.onnx`;
writeFileSync(file, exportOnnx(arch, initParams(paramLayout(arch), 0)));

const config = parseTrainConfig({
  algo: 'es',
  model: file,
  population: 200,
  sigma: 0.01,
  lr: 0.01,
  iters: 20,
  evalEvery: 10,
  out: `${process.argv[2] ?? 'runs'}/onnx-es`,
});
const summary = await train(config, { quiet: true });
console.log(
  `${file}: ${summary.params} parameters, test accuracy ${(100 * Number(summary.finalTestAccuracy)).toFixed(1)}%`,
);
