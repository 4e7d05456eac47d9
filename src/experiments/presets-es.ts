// The paper's ES training experiments as presets: figure 1 (ρ over iterations, ES vs SGD), figure 2
// (ES vs its proxy on one mini-batch sequence), figure 3 (limited perturbation), figure 4 (no mini-batch), figure 5 (99%).
import { pearson } from '../analysis/correlation.ts';
import { expectedCorrelation } from '../analysis/population-search.ts';
import {
  accuracyFigure,
  accuracyTable,
  compareFinals,
  corrFigure,
  insetWindows,
  meanCorrText,
  testsTable,
} from './report-parts.ts';
import { base, bucketSize, MODEL, PARAMS, population, seedList } from './scales.ts';
import { diffs, finals, groupRuns, meanStd, pct, points } from './series.ts';
import { mean, std } from './stats.ts';
import type { LoadedRun, Preset, RunSpec, Scale } from './types.ts';

/** Iterations, evaluation interval and default seeds of the 2,000-iteration ES experiments. */
const RUN: Readonly<Record<Scale, { iters: number; evalEvery: number; seeds: number }>> = {
  paper: { iters: 2000, evalEvery: 10, seeds: 5 },
  small: { iters: 800, evalEvery: 20, seeds: 3 },
  smoke: { iters: 20, evalEvery: 2, seeds: 2 },
};
const N10K = (s: Scale): number => population(s, 10_000);
const smallDoc = (what: string): string => `cnn-29k (28,938 parameters) instead of cnn-3m; ${what}`;

export const fig1: Preset = {
  name: 'fig1',
  title: 'Figure 1: correlation of ES and SGD gradients over iterations',
  paper:
    'cnn-3m, 10,000 offspring, 2,000 iterations, 5 runs: mean ρ 3.9%, stable over iterations; ES 96.99% vs SGD 98.69%',
  scales: {
    paper: {
      doc: 'the paper: cnn-3m, 10,000 offspring, 2,000 iterations, ρ every iteration, 5 seeds',
      seeds: 5,
    },
    small: {
      doc: smallDoc(
        `88 offspring (same N/P, so the same expected ρ ≈ 3.9%), ${RUN.small.iters} iterations, 3 seeds`,
      ),
      seeds: RUN.small.seeds,
    },
    smoke: { doc: `mlp, ${N10K('smoke')} offspring, ${RUN.smoke.iters} iterations`, seeds: RUN.smoke.seeds },
  },
  runs(scale, seeds) {
    const { iters } = RUN[scale],
      b = { ...base(scale), iters, evalEvery: Math.max(RUN[scale].evalEvery, Math.floor(iters / 20)) };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `es-s${seed}`,
        group: 'ES',
        seed,
        kind: 'train',
        config: { ...b, algo: 'es', population: N10K(scale), corrEvery: 1 },
      },
      { id: `sgd-s${seed}`, group: 'SGD', seed, kind: 'train', config: { ...b, algo: 'sgd' } },
    ]);
  },
  report(exp) {
    const scale = exp.manifest.scale,
      N = N10K(scale),
      P = PARAMS[MODEL[scale]];
    return {
      figures: [
        corrFigure(
          exp,
          'fig1',
          'Correlation of ES and true gradients (same mini-batches)',
          "Median ρ(g_ES, g_True) over seeds; band: 25th-75th percentile. Dashed: the paper's 3.9%.",
          ['ES'],
          { rules: [{ y: 3.9, label: 'paper: 3.9%' }] },
        ),
        accuracyFigure(
          exp,
          'fig1-accuracy',
          'Validation accuracy: ES vs SGD',
          'Median test-set accuracy over seeds, 25th-75th percentile band.',
          ['ES', 'SGD'],
        ),
      ],
      tables: [
        {
          title: 'Gradient correlation',
          header: ['', 'ours (mean over iterations, mean ± std over seeds)', 'sampling theory', 'paper'],
          rows: [['ρ(g_ES, g_True)', meanCorrText(exp, 'ES'), pct(expectedCorrelation(N, P)), '3.9%']],
        },
        accuracyTable(exp, 'Validation accuracy after the run', [
          ['ES', '96.99% (2,000 iterations, 5 runs)'],
          ['SGD', '98.69%'],
        ]),
        testsTable([
          [
            'ES vs SGD',
            compareFinals(exp, 'ES', 'SGD', 'rank-sum'),
            'ES 1.70 points below SGD (no test reported)',
          ],
        ]),
      ],
      notes: [`${N.toLocaleString('en-US')} offspring on ${P.toLocaleString('en-US')} parameters.`],
      key: [
        ['mean ρ ES', meanCorrText(exp, 'ES'), '3.9%'],
        ['ES accuracy', meanStd(finals(groupRuns(exp, 'ES'), 'finalTestAccuracy'), { pct: true }), '96.99%'],
        [
          'SGD accuracy',
          meanStd(finals(groupRuns(exp, 'SGD'), 'finalTestAccuracy'), { pct: true }),
          '98.69%',
        ],
      ],
    };
  },
};

/** Pearson correlation of two runs' accuracy changes between evaluations (do they fluctuate together?). */
function changeCorrelation(a: LoadedRun, b: LoadedRun): number[] {
  const da = diffs(points(a.metrics, 'testAccuracy')),
    db = diffs(points(b.metrics, 'testAccuracy'));
  const n = Math.min(da.length, db.length);
  return n < 3 ? [] : [pearson(Float64Array.from(da.slice(0, n)), Float64Array.from(db.slice(0, n)))];
}

/** ES vs proxy change correlations: same seed (same mini-batches) and, as a baseline, different seeds. */
function fluctuationAgreement(exp: Parameters<Preset['report']>[0]): { same: number[]; other: number[] } {
  const es = groupRuns(exp, 'ES'),
    proxy = groupRuns(exp, 'ES proxy');
  const pairs = es.flatMap((a) => proxy.map((b) => [a, b] as const));
  return {
    same: pairs.filter(([a, b]) => a.spec.seed === b.spec.seed).flatMap(([a, b]) => changeCorrelation(a, b)),
    other: pairs.filter(([a, b]) => a.spec.seed !== b.spec.seed).flatMap(([a, b]) => changeCorrelation(a, b)),
  };
}

export const fig2: Preset = {
  name: 'fig2',
  title: 'Figure 2: ES and the ES proxy on the same sequence of mini-batches',
  paper:
    "cnn-3m, ES with 10,000 offspring and SGD + noise at ES's correlation: nearly identical validation curves, even their fluctuations",
  scales: {
    paper: {
      doc: 'the paper: cnn-3m, 10,000 offspring, 2,000 iterations, validation accuracy every iteration, 5 seeds',
      seeds: 5,
    },
    small: {
      doc: smallDoc(
        `88 offspring (ρ ≈ 3.9% as in the paper), ${RUN.small.iters} iterations, validation every 5, 3 seeds`,
      ),
      seeds: RUN.small.seeds,
    },
    smoke: {
      doc: `mlp, ${N10K('smoke')} offspring, 200 iterations, validation every 2`,
      seeds: RUN.smoke.seeds,
    },
  },
  runs(scale, seeds) {
    const iters = scale === 'smoke' ? 200 : RUN[scale].iters,
      evalEvery = scale === 'paper' ? 1 : scale === 'small' ? 5 : 2;
    const b = { ...base(scale), iters, evalEvery };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `es-s${seed}`,
        group: 'ES',
        seed,
        kind: 'train',
        config: { ...b, algo: 'es', population: N10K(scale), corrEvery: 1 },
      },
      // The proxy's target ρ is the mean ρ measured along the ES run of the same seed (same θ0 and mini-batches).
      {
        id: `proxy-s${seed}`,
        group: 'ES proxy',
        seed,
        kind: 'train',
        config: { ...b, algo: 'proxy' },
        corrFrom: `es-s${seed}`,
      },
    ]);
  },
  report(exp) {
    const { same, other } = fluctuationAgreement(exp);
    const text = (xs: number[]): string =>
      xs.length ? `${mean(xs).toFixed(2)}${xs.length > 1 ? ` ± ${std(xs).toFixed(2)}` : ''}` : 'n/a';
    const agreeText = text(same);
    return {
      figures: [
        accuracyFigure(
          exp,
          'fig2',
          'Validation accuracy of ES and the ES proxy (same mini-batch sequence)',
          'Median over seeds with the 25th-75th percentile band; the insets (marked A, B) show the curves close up.',
          ['ES', 'ES proxy'],
          { insets: insetWindows(exp, 'ES') },
        ),
      ],
      tables: [
        accuracyTable(exp, 'Validation accuracy after the run', [
          ['ES', '96.99% (figure 2 shows one run)'],
          ['ES proxy', 'curve almost identical to ES'],
        ]),
        {
          title: 'How closely the proxy follows ES',
          header: ['measure', 'ours', 'paper'],
          rows: [
            ["mean ρ of ES (the proxy's target)", meanCorrText(exp, 'ES'), '3.9%'],
            ['mean ρ of the proxy', meanCorrText(exp, 'ES proxy'), "= ES's by construction"],
            [
              'correlation of the accuracy changes between evaluations, ES vs its proxy (same seed: same mini-batches)',
              agreeText,
              '"fluctuations nearly identical"',
            ],
            [
              'the same between ES and the proxy of another seed (other mini-batches): the baseline',
              text(other),
              '',
            ],
          ],
        },
        testsTable([
          [
            'ES vs ES proxy (paired by seed)',
            compareFinals(exp, 'ES', 'ES proxy', 'signed-rank'),
            'no difference (no test reported)',
          ],
        ]),
      ],
      notes: ['Each ES run and its proxy share the seed: the same θ0 and the same sequence of mini-batches.'],
      key: [
        [
          'ES final accuracy',
          meanStd(finals(groupRuns(exp, 'ES'), 'finalTestAccuracy'), { pct: true }),
          '96.99%',
        ],
        [
          'proxy final accuracy',
          meanStd(finals(groupRuns(exp, 'ES proxy'), 'finalTestAccuracy'), { pct: true }),
          '≈ ES',
        ],
        ['fluctuation agreement r', agreeText, 'nearly identical'],
      ],
    };
  },
};

export const fig3: Preset = {
  name: 'fig3',
  title: 'Figure 3: ES with and without limited perturbation',
  paper:
    'cnn-3m: 10,000 offspring perturbing all parameters vs 50,000 each perturbing one bucket of ≤ 5,000; 5 runs; no significant difference (Wilcoxon p = 0.75)',
  scales: {
    paper: {
      doc: 'the paper: cnn-3m, full 10,000 vs limited 50,000 × buckets of 5,000, 2,000 iterations, 5 seeds',
      seeds: 5,
    },
    small: {
      doc: smallDoc(
        "full 88 vs limited 442 offspring × buckets of 44 (the paper's ratios), 600 iterations, 5 seeds",
      ),
      seeds: 5,
    },
    smoke: { doc: 'mlp, full 78 vs limited 388 × buckets of 39, 15 iterations', seeds: 2 },
  },
  runs(scale, seeds) {
    const iters = { paper: 2000, small: 600, smoke: 15 }[scale],
      b = { ...base(scale), iters, evalEvery: Math.max(1, Math.floor(iters / 30)) };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `full-s${seed}`,
        group: 'ES (full perturbation)',
        seed,
        kind: 'train',
        config: { ...b, algo: 'es', population: N10K(scale) },
      },
      {
        id: `limited-s${seed}`,
        group: 'ES (limited perturbation)',
        seed,
        kind: 'train',
        config: {
          ...b,
          algo: 'es',
          population: population(scale, 50_000),
          limited: true,
          bucketSize: bucketSize(scale, 5000),
        },
      },
    ]);
  },
  report(exp) {
    const t = compareFinals(exp, 'ES (full perturbation)', 'ES (limited perturbation)', 'rank-sum');
    return {
      figures: [
        accuracyFigure(
          exp,
          'fig3',
          'ES with and without limited perturbation',
          'Median validation accuracy over seeds; the area between the 25th and 75th percentiles is filled.',
          ['ES (full perturbation)', 'ES (limited perturbation)'],
        ),
      ],
      tables: [
        accuracyTable(exp, 'Validation accuracy after the run', [
          ['ES (full perturbation)', 'equivalent (figure 3)'],
          ['ES (limited perturbation)', 'equivalent (figure 3)'],
        ]),
        testsTable([['full vs limited', t, 'p = 0.75 (Wilcoxon)']]),
      ],
      notes: [],
      key: [['full vs limited p', t ? t.pValue.toFixed(3) : 'n/a', '0.75']],
    };
  },
};

/** Roughness of a validation curve: mean |second difference| between successive evaluations (a steady rise counts 0), per run. */
const roughness = (exp: Parameters<Preset['report']>[0], g: string): number[] =>
  groupRuns(exp, g).map((r) => {
    const d = diffs(points(r.metrics, 'testAccuracy'));
    return mean(d.slice(1).map((v, i) => Math.abs(v - d[i]!)));
  });

export const fig4: Preset = {
  name: 'fig4',
  title: 'Figure 4: ES with and without mini-batches',
  paper:
    'cnn-3m, 10,000 offspring, 2,000 iterations, 5 runs: no-mini-batch 97.44% vs mini-batch 96.99% (Wilcoxon p < 0.05), much smoother than both mini-batch ES and SGD',
  scales: {
    paper: { doc: 'the paper: cnn-3m, 10,000 offspring, 2,000 iterations, 5 seeds, SGD beside', seeds: 5 },
    small: {
      doc: smallDoc(
        '88 offspring, 600 iterations, 5 seeds (5 against 5 is the least that can give p < 0.05 in a two-sided rank-sum test)',
      ),
      seeds: 5,
    },
    smoke: { doc: `mlp, ${N10K('smoke')} offspring, 20 iterations`, seeds: 2 },
  },
  runs(scale, seeds) {
    const iters = { paper: 2000, small: 600, smoke: 20 }[scale],
      b = { ...base(scale), iters, evalEvery: Math.max(1, Math.floor(iters / 30)) };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `minibatch-s${seed}`,
        group: 'ES (mini-batch)',
        seed,
        kind: 'train',
        config: { ...b, algo: 'es', population: N10K(scale) },
      },
      {
        id: `nominibatch-s${seed}`,
        group: 'ES (no mini-batch)',
        seed,
        kind: 'train',
        config: { ...b, algo: 'es', population: N10K(scale), noMinibatch: true },
      },
      { id: `sgd-s${seed}`, group: 'SGD', seed, kind: 'train', config: { ...b, algo: 'sgd' } },
    ]);
  },
  report(exp) {
    const t = compareFinals(exp, 'ES (no mini-batch)', 'ES (mini-batch)', 'rank-sum');
    const groups = ['ES (mini-batch)', 'ES (no mini-batch)', 'SGD'];
    return {
      figures: [
        accuracyFigure(
          exp,
          'fig4',
          'ES with and without mini-batches',
          'Median validation accuracy over seeds; the area between the 25th and 75th percentiles is filled.',
          groups,
        ),
      ],
      tables: [
        accuracyTable(exp, 'Validation accuracy after the run', [
          ['ES (mini-batch)', '96.99%'],
          ['ES (no mini-batch)', '97.44%'],
          ['SGD', '98.69%'],
        ]),
        {
          title:
            'Roughness of the curves: mean |change of the change| of validation accuracy between evaluations (lower is smoother)',
          header: ['run', 'ours', 'paper'],
          rows: groups.map((g) => [
            g,
            meanStd(roughness(exp, g), { pct: true, digits: 3 }),
            g === 'ES (no mini-batch)' ? 'much smoother than both' : '',
          ]),
        },
        testsTable([['no mini-batch vs mini-batch', t, 'p < 0.05 (Wilcoxon)']]),
      ],
      notes: [
        'No-mini-batch ES: each mirrored pair of offspring evaluates on its own random subset of 50 training images.',
      ],
      key: [
        [
          'mini-batch ES',
          meanStd(finals(groupRuns(exp, 'ES (mini-batch)'), 'finalTestAccuracy'), { pct: true }),
          '96.99%',
        ],
        [
          'no-mini-batch ES',
          meanStd(finals(groupRuns(exp, 'ES (no mini-batch)'), 'finalTestAccuracy'), { pct: true }),
          '97.44%',
        ],
        ['p', t ? t.pValue.toFixed(3) : 'n/a', '< 0.05'],
      ],
    };
  },
};

export const fig5: Preset = {
  name: 'fig5',
  title: 'Figure 5: 99% with no-mini-batch ES on cnn-29k',
  paper:
    'cnn-29k, L2 0.0002, no mini-batches: 10,000 offspring ≈ 98.7% (not 99% even after 20,000 iterations); 50,000 offspring reach 99%',
  scales: {
    paper: {
      doc: "the paper: cnn-29k, 10,000 offspring for 20,000 iterations and 50,000 for 10,000 (the text does not give the 50,000 run's length), 1 seed",
      seeds: 1,
    },
    small: {
      doc: "cnn-29k as in the paper; 200 and 1,000 offspring (1/50 of the paper's, the same 1:5 ratio), 500 iterations, 2 seeds",
      seeds: 2,
    },
    smoke: { doc: 'mlp, 40 and 200 offspring, 15 iterations', seeds: 2 },
  },
  runs(scale, seeds) {
    const model = scale === 'smoke' ? 'mlp' : 'cnn-29k';
    const [lo, hi] = { paper: [10_000, 50_000], small: [200, 1000], smoke: [40, 200] }[scale];
    const [itLo, itHi] = { paper: [20_000, 10_000], small: [500, 500], smoke: [15, 15] }[scale];
    const b = {
      ...base(scale),
      model,
      algo: 'es',
      noMinibatch: true,
      l2: 0.0002,
      evalEvery: Math.max(1, Math.floor(itLo! / 40)),
    };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `n${lo}-s${seed}`,
        group: `${lo!.toLocaleString('en-US')} offspring`,
        seed,
        kind: 'train',
        config: { ...b, population: lo, iters: itLo },
      },
      {
        id: `n${hi}-s${seed}`,
        group: `${hi!.toLocaleString('en-US')} offspring`,
        seed,
        kind: 'train',
        config: { ...b, population: hi, iters: itHi },
      },
    ]);
  },
  report(exp) {
    const groups = [...new Set(exp.manifest.runs.map((r) => r.group))];
    const top = Math.max(
      ...groups.flatMap((g) => finals(groupRuns(exp, g), 'bestTestAccuracy')).filter(Number.isFinite),
      0,
    );
    return {
      figures: [
        accuracyFigure(
          exp,
          'fig5',
          'No-mini-batch ES on cnn-29k with L2 0.0002',
          'Median validation accuracy over seeds (band: 25th-75th percentile), zoomed near the top; dashed: 99%.',
          groups,
          {
            rules: [{ y: 99, label: '99%' }],
            ...(top > 0.5 ? { yDomain: [Math.max(0, Math.floor(100 * top - 8)), 100] as const } : {}),
          },
        ),
      ],
      tables: [
        accuracyTable(exp, 'Validation accuracy', [
          [groups[0] ?? '', '≈ 98.7% (10,000 offspring)'],
          [groups[1] ?? '', '99% (50,000 offspring)'],
        ]),
      ],
      notes: [],
      key: groups.map(
        (g, i) =>
          [
            `best accuracy, ${g}`,
            meanStd(finals(groupRuns(exp, g), 'bestTestAccuracy'), { pct: true }),
            i === 0 ? '≈ 98.7%' : '99%',
          ] as const,
      ),
    };
  },
};
