// Your own objective: minimise a 1,000-dimensional Rastrigin function with OpenAI-ES, the candidates
// evaluated on 2 worker threads (each loads rastrigin.mjs); in-process it gives the same θ, bit for bit.
import { optimize } from 'esgrad';
import rastrigin from './rastrigin.mjs';

let seed = 7;
const uniform = (): number => {
  seed = (seed * 1103515245 + 12345) >>> 0; // a linear congruential generator
  return seed / 2 ** 32;
};
const theta0 = Float32Array.from({ length: 1000 }, () => 10.24 * uniform() - 5.12); // Rastrigin's domain

const result = await optimize(new URL('./rastrigin.mjs', import.meta.url), theta0, {
  direction: 'minimize',
  iterations: 100,
  population: 1000,
  sigma: 0.5, // wide enough to smooth over the local minima
  lr: 0.1,
  evaluator: 'threads',
  workers: 2,
});
console.log(
  `Rastrigin, 1,000 dims: f(θ) ${rastrigin(theta0).toFixed(0)} -> ${rastrigin(result.theta).toFixed(0)}`,
);
