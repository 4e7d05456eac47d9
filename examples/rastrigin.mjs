// Rastrigin's function, f(x) = 10·n + Σ (x_i² − 10·cos(2π·x_i)): many local minima, global minimum 0 at
// x = 0. An objective module: its default export takes θ (a Float32Array) and returns f(θ).
export default function rastrigin(x) {
  let f = 10 * x.length;
  for (let i = 0; i < x.length; i++) f += x[i] * x[i] - 10 * Math.cos(2 * Math.PI * x[i]);
  return f;
}
