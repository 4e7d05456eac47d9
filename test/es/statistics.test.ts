// Statistical tests of the ES gradient estimate: unbiased on a quadratic, Pearson correlation with
// the true gradient rising with N as sampling theory predicts, and ES + Adam minimising a quadratic.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pearson } from '../../src/analysis/correlation.ts';
import { ask, type EsState, init, tell } from '../../src/es/openai-es.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { createRng, nextNormal } from '../../src/rng/prng.ts';
import { aggregatorFor as agg, evaluateTasks, quadratic } from './helpers.ts';

const TABLE = 2 ** 22;
const table = createNoiseTable(2024, TABLE);

/** ESGRAD_VERBOSE=1 prints the measured values next to the theory. */
const note = (values: Record<string, unknown>) => process.env.ESGRAD_VERBOSE && console.log(values);

function randomNormals(seed: number, n: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => nextNormal(rng));
}

/** The ES loss-gradient estimate at the state's theta for generation g (theta held fixed). */
function estimateAt(s: EsState, g: number, reward: (x: Float64Array) => number): Float32Array {
  const sg = { ...s, generation: g };
  const tasks = ask(sg);
  return tell(sg, tasks, evaluateTasks(sg, tasks, table, reward), agg(table)).gradP;
}

for (const mirrored of [true, false]) {
  test(`unbiased on a quadratic (${mirrored ? 'mirrored' : 'plain'}): mean of 400 estimates within 4.5 standard errors`, () => {
    // reward = -0.5 |A theta - b|^2, P = M = 10. For a quadratic E[g_ES] equals the true gradient for
    // any sigma (odd moments of eps vanish), so the mean over independent generations must converge.
    const P = 10,
      G = 400;
    const A = randomNormals(1, P * P).map((v) => v / Math.sqrt(P));
    const b = randomNormals(2, P);
    const q = quadratic(A, b, P);
    const sigma = mirrored ? 0.01 : 0.3;
    const s = init(
      { population: 100, sigma, mirrored, noiseTableSize: TABLE, seed: 3 },
      Float32Array.from(randomNormals(4, P)),
    );
    const trueLossGrad = q.rewardGrad(s.thetaP).map((v) => -v);
    const sum = new Float64Array(P),
      sumSq = new Float64Array(P);
    for (let g = 0; g < G; g++) {
      const est = estimateAt(s, g, q.reward);
      for (let j = 0; j < P; j++) {
        sum[j] = sum[j]! + est[j]!;
        sumSq[j] = sumSq[j]! + est[j]! ** 2;
      }
    }
    let chi2 = 0,
      maxZ = 0,
      maxSe = 0;
    for (let j = 0; j < P; j++) {
      const mean = sum[j]! / G;
      const se = Math.sqrt((sumSq[j]! / G - mean * mean) / (G - 1));
      const z = (mean - trueLossGrad[j]!) / se;
      chi2 += z * z;
      maxZ = Math.max(maxZ, Math.abs(z));
      maxSe = Math.max(maxSe, se);
    }
    // Under H0 sum z^2 ~ chi2(10): P(> 35.6) = 1e-4. The test has power: se is small next to |grad|.
    const norm = Math.hypot(...trueLossGrad);
    note({ mirrored, chi2, maxZ, maxSe, norm });
    assert.ok(maxSe < 0.05 * norm, `standard error ${maxSe} too large for |grad| ${norm}`);
    assert.ok(maxZ < 4.5, `max |z| = ${maxZ}`);
    assert.ok(chi2 < 35.6, `sum z^2 = ${chi2}`);
  });
}

for (const mirrored of [true, false]) {
  test(`correlation with the true gradient rises with N as theory says (linear reward, ${mirrored ? 'mirrored' : 'plain'})`, () => {
    // reward = a . theta at theta = 0, a ~ N(0, I_P). The estimate averages K = N/2 (mirrored) or
    // K = N (plain) iid terms (a . eps) eps with Var_j = (|a|^2 + a_j^2) / K, hence
    // rho^2 ~= 1 / (1 + (P + 1) / K): mirrored rho = sqrt(N / (N + 2P + 2)), plain sqrt(N / (N + P + 1)).
    // (With N counting pairs the mirrored formula is the familiar sqrt(N / (N + P)).)
    const P = 1000,
      R = 6;
    const a = randomNormals(7, P);
    const reward = (x: Float64Array) => {
      let s = 0;
      for (let j = 0; j < P; j++) s += a[j]! * x[j]!;
      return s;
    };
    const trueLossGrad = a.map((v) => -v);
    const measured: number[] = [];
    for (const N of [100, 2000]) {
      const s = init(
        { population: N, sigma: 0.01, mirrored, noiseTableSize: TABLE, seed: 11 },
        new Float32Array(P),
      );
      let rho = 0;
      for (let g = 0; g < R; g++) rho += pearson(estimateAt(s, g, reward), trueLossGrad) / R;
      const K = mirrored ? N / 2 : N;
      const theory = Math.sqrt(1 / (1 + (P + 1) / K));
      // sd of one sample correlation ~ (1 - rho^2) / sqrt(P) <= 0.032; of the mean of 6 <= 0.013
      assert.ok(
        Math.abs(rho - theory) < 0.04,
        `N = ${N}: rho ${rho.toFixed(4)}, theory ${theory.toFixed(4)}`,
      );
      note({ mirrored, N, rho, theory });
      measured.push(rho);
    }
    assert.ok(measured[1]! > measured[0]! + 0.3, `rho did not rise: ${measured}`);
  });
}

test('mirrored sampling removes the baseline term that swamps plain sampling (linear reward, theta != 0)', () => {
  // f(theta + sigma eps) = c + sigma a.eps with c = a . theta. Mirrored pairs cancel c exactly:
  // rho = sqrt(N / (N + 2P + 2)) as above. Plain terms carry an extra (c / sigma) eps, so
  // Var_j = (|a|^2 + a_j^2 + c^2 / sigma^2) / N and rho^2 ~= 1 / (1 + (P + 1 + P c^2 / (sigma^2 |a|^2)) / N).
  const P = 200,
    N = 400,
    R = 4,
    sigma = 0.05;
  const a = randomNormals(8, P);
  const reward = (x: Float64Array) => {
    let s = 0;
    for (let j = 0; j < P; j++) s += a[j]! * x[j]!;
    return s;
  };
  const a2 = reward(a);
  const theta = Float32Array.from(a, (v) => (3 * v) / a2); // baseline c = a . theta ~= 3
  const c = reward(Float64Array.from(theta));
  const rho = (mirrored: boolean) => {
    const s = init({ population: N, sigma, mirrored, noiseTableSize: TABLE, seed: 12 }, theta);
    let r = 0;
    for (let g = 0; g < R; g++)
      r +=
        pearson(
          estimateAt(s, g, reward),
          a.map((v) => -v),
        ) / R;
    return r;
  };
  const theoryMirrored = Math.sqrt(N / (N + 2 * P + 2));
  const theoryPlain = 1 / Math.sqrt(1 + (P + 1 + (P * c * c) / (sigma * sigma * a2)) / N);
  const rhoMirrored = rho(true),
    rhoPlain = rho(false);
  note({ rhoMirrored, theoryMirrored, rhoPlain, theoryPlain });
  // sd of the mean of 4 sample correlations over P = 200 components: <= 1 / sqrt(4 * 200) = 0.035
  assert.ok(Math.abs(rhoMirrored - theoryMirrored) < 0.06, `mirrored ${rhoMirrored} vs ${theoryMirrored}`);
  assert.ok(Math.abs(rhoPlain - theoryPlain) < 0.06, `plain ${rhoPlain} vs ${theoryPlain}`);
  assert.ok(theoryPlain < 0.5 * theoryMirrored, `baseline too small to matter: ${theoryPlain}`);
});

test('ES + Adam decreases a quadratic loss over 200 generations', () => {
  const P = 50;
  const A = randomNormals(21, P * P).map((v, k) => (k % (P + 1) === 0 ? 1 : 0) + (0.3 * v) / Math.sqrt(P));
  const b = randomNormals(22, P);
  const q = quadratic(A, b, P);
  let s = init(
    {
      population: 40,
      sigma: 0.01,
      noiseTableSize: TABLE,
      seed: 1,
      lr: 0.05,
    },
    new Float32Array(P),
  );
  const loss0 = -q.reward(s.thetaP);
  for (let g = 0; g < 200; g++) {
    const tasks = ask(s);
    s = tell(s, tasks, evaluateTasks(s, tasks, table, q.reward), agg(table)).state;
  }
  const loss = -q.reward(s.thetaP);
  note({ loss0, loss });
  assert.ok(loss < 0.05 * loss0, `loss ${loss0} -> ${loss}`);
});
