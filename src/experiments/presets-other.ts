// The paper's other experiments as presets: table 1 (SGD vs the ES proxy at 4% and 20%), SGD-vs-SGD
// correlation, the correlation-vs-population search, and the master's aggregation timing (full vs limited).
import { expectedCorrelation } from '../analysis/population-search.ts';
import { bandChart, logDotChart } from './plots.ts';
import {
  accuracyFigure,
  accuracyTable,
  compareFinals,
  corrFigure,
  meanCorrText,
  testsTable,
} from './report-parts.ts';
import { base, MODEL, PARAMS, populationFor, type ScaleModel, seedList, theoryOffspring } from './scales.ts';
import { band, finals, groupRuns, meanStd } from './series.ts';
import type { LoadedExperiment, Preset, RunSpec, Scale } from './types.ts';

export const table1: Preset = {
  name: 'table1',
  title: 'Table 1: predicted ES performance from proxies at 4% and 20% correlation',
  paper:
    'cnn-3m, 40,000 iterations, 20 runs: SGD 99.11% ± 0.10%, proxy 4% 98.39% ± 0.13%, proxy 20% 98.99% ± 0.11%',
  scales: {
    paper: { doc: 'the paper: cnn-3m, 40,000 iterations, 20 seeds', seeds: 20 },
    small: {
      doc: "cnn-29k instead of cnn-3m, 4,000 iterations instead of 40,000, 5 seeds instead of 20 (the target correlations are the paper's)",
      seeds: 5,
    },
    smoke: { doc: 'mlp, 30 iterations', seeds: 2 },
  },
  runs(scale, seeds) {
    const iters = { paper: 40_000, small: 4000, smoke: 30 }[scale];
    const b = { ...base(scale), iters, evalEvery: Math.max(1, Math.floor(iters / 20)) };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      { id: `sgd-s${seed}`, group: 'SGD', seed, kind: 'train', config: { ...b, algo: 'sgd' } },
      {
        id: `proxy04-s${seed}`,
        group: 'ES proxy (4% correlation)',
        seed,
        kind: 'train',
        config: { ...b, algo: 'proxy', targetCorr: 0.04 },
      },
      {
        id: `proxy20-s${seed}`,
        group: 'ES proxy (20% correlation)',
        seed,
        kind: 'train',
        config: { ...b, algo: 'proxy', targetCorr: 0.2 },
      },
    ]);
  },
  report(exp) {
    const groups = ['SGD', 'ES proxy (4% correlation)', 'ES proxy (20% correlation)'];
    const acc = (g: string): string => meanStd(finals(groupRuns(exp, g), 'finalTestAccuracy'), { pct: true });
    const t20 = compareFinals(exp, 'SGD', 'ES proxy (20% correlation)', 'rank-sum'),
      t4 = compareFinals(exp, 'ES proxy (4% correlation)', 'ES proxy (20% correlation)', 'rank-sum');
    return {
      figures: [
        accuracyFigure(
          exp,
          'table1-curves',
          'SGD and ES proxies (validation accuracy)',
          'Median over seeds, 25th-75th percentile band (the paper gives only the table).',
          groups,
        ),
      ],
      tables: [
        accuracyTable(
          exp,
          'Table 1: validation accuracy after the run',
          [
            ['SGD', '99.11% ± 0.10%'],
            ['ES proxy (4% correlation)', '98.39% ± 0.13%'],
            ['ES proxy (20% correlation)', '98.99% ± 0.11%'],
          ],
          'The paper: 40,000 iterations, 20 runs each.',
        ),
        testsTable([
          ['SGD vs proxy 20%', t20, 'SGD-equivalence at about 20% (no test reported)'],
          ['proxy 4% vs proxy 20%', t4, '0.60 points apart'],
        ]),
      ],
      notes: [],
      key: groups.map((g, i) => [g, acc(g), ['99.11%', '98.39%', '98.99%'][i]!] as const),
    };
  },
};

/** The trajectories SGD-vs-SGD is measured along at a scale: [network, algorithm] (the paper: along ES on cnn-3m). */
const SGD_VS_SGD_ALONG: Readonly<
  Record<Scale, ReadonlyArray<readonly [ScaleModel, 'sgd' | 'proxy' | 'es']>>
> = {
  paper: [
    ['cnn-3m', 'sgd'],
    ['cnn-3m', 'proxy'],
    ['cnn-3m', 'es'],
  ],
  small: [
    ['cnn-3m', 'sgd'],
    ['cnn-3m', 'proxy'],
    ['cnn-29k', 'sgd'],
    ['cnn-29k', 'proxy'],
    ['cnn-29k', 'es'],
  ],
  smoke: [
    ['mlp', 'sgd'],
    ['mlp', 'proxy'],
    ['mlp', 'es'],
  ],
};

/** ES's population on `model`: the paper's 10,000 on cnn-3m, scaled by the parameter ratio (the same ρ). */
const esPopulation = (model: ScaleModel): number => populationFor(model, 10_000);

const alongGroup = (model: ScaleModel, algo: 'sgd' | 'proxy' | 'es'): string =>
  `${model}, along ${{ sgd: 'SGD', proxy: 'the ES proxy (ρ 3.9%)', es: `ES (${esPopulation(model).toLocaleString('en-US')} offspring)` }[algo]}`;

export const sgdVsSgd: Preset = {
  name: 'sgd-vs-sgd',
  title:
    'SGD vs SGD: correlation of the gradients of two random mini-batches, along SGD, the ES proxy and ES',
  paper: 'cnn-3m, SGD gradients at the ES θ_t: mean 39.04%',
  scales: {
    paper: {
      doc: "the paper's network: cnn-3m along SGD, the ES proxy (ρ 3.9%) and ES (10,000 offspring), 2,000 iterations, every iteration, 5 seeds",
      seeds: 5,
    },
    small: {
      doc: 'cnn-3m along SGD and the ES proxy (ρ 3.9%; ES itself is ~40 h a seed on 2 cores), and cnn-29k along SGD, the proxy and ES (88 offspring, the same ρ), 2,000 iterations, 2 seeds',
      seeds: 2,
    },
    smoke: { doc: 'mlp along SGD, the proxy and ES (78 offspring), 20 iterations', seeds: 2 },
  },
  runs(scale, seeds) {
    const iters = scale === 'smoke' ? 20 : 2000;
    const b = { ...base(scale), iters, evalEvery: Math.max(1, Math.floor(iters / 4)), sgdVsSgdEvery: 1 };
    const algoConfig = (model: ScaleModel, algo: 'sgd' | 'proxy' | 'es'): Record<string, unknown> =>
      algo === 'sgd'
        ? { algo }
        : algo === 'proxy'
          ? { algo, targetCorr: 0.039 }
          : { algo, population: esPopulation(model) };
    return seedList(seeds).flatMap((seed) =>
      SGD_VS_SGD_ALONG[scale].map(
        ([model, algo]): RunSpec => ({
          id: `${model.replace('-', '')}-${algo}-s${seed}`,
          group: alongGroup(model, algo),
          seed,
          kind: 'train',
          config: { ...b, model, ...algoConfig(model, algo) },
        }),
      ),
    );
  },
  report(exp) {
    const along = SGD_VS_SGD_ALONG[exp.manifest.scale];
    const groups = along.map(([model, algo]) => alongGroup(model, algo));
    const ours = (g: string): string => meanCorrText(exp, g, 'sgdVsSgdCorr');
    const paper = (model: ScaleModel, algo: string): string =>
      model === 'cnn-3m' && algo === 'es' ? '39.04%' : model === 'cnn-3m' ? '(39.04% along ES)' : '—';
    return {
      figures: [
        corrFigure(
          exp,
          'sgd-vs-sgd',
          'Correlation between the gradients of two random mini-batches at θ_t',
          "Median over seeds, 25th-75th percentile band, each a moving average over 25 iterations; dashed: the paper's mean (along ES on cnn-3m).",
          groups,
          { rules: [{ y: 39.04, label: 'paper: 39.04%' }] },
          25,
          'sgdVsSgdCorr',
        ),
      ],
      tables: [
        {
          title: 'Mean SGD-vs-SGD correlation over the run',
          header: ['network, trajectory', 'ours (mean ± std over seeds)', 'paper'],
          rows: along.map(([model, algo], i) => [groups[i]!, ours(groups[i]!), paper(model, algo)]),
        },
      ],
      notes: [
        'The paper computes its SGD gradients "from the current ES θ_t", so its 39.04% was taken along ES; the correlation depends on the θ_t it is measured at, hence on the trajectory.',
      ],
      key: groups.map((g, i) => [`SGD-vs-SGD ρ, ${g}`, ours(g), paper(along[i]![0], along[i]![1])] as const),
    };
  },
};

const popModel = (exp: LoadedExperiment): ScaleModel => MODEL[exp.manifest.scale];

export const populationSearch: Preset = {
  name: 'population-search',
  title: 'Correlation against the number of offspring (how many for 20%?)',
  paper:
    'cnn-3m, at a fixed θ and mini-batch, offspring added 1,000 at a time: ρ reaches 20% at about 274,000 offspring',
  scales: {
    paper: { doc: 'the paper: cnn-3m, chunks of 1,000, up to 400,000 offspring, 1 seed', seeds: 1 },
    small: {
      doc: "cnn-29k: chunks of 100 (about 100 points to 20%), up to 20,000 offspring, 5 seeds; compare offspring/P with the paper's 274,000 / 3,274,634",
      seeds: 5,
    },
    smoke: { doc: 'mlp, chunks of 100, up to 4,000 offspring', seeds: 2 },
  },
  runs(scale, seeds) {
    const [chunk, cap] = { paper: [1000, 400_000], small: [100, 20_000], smoke: [100, 4000] }[scale];
    return seedList(seeds).map(
      (seed): RunSpec => ({
        id: `search-s${seed}`,
        group: 'ES estimate',
        seed,
        kind: 'population',
        config: { ...base(scale), algo: 'es' },
        target: 0.2,
        chunk: chunk!,
        cap: cap!,
      }),
    );
  },
  report(exp) {
    const P = PARAMS[popModel(exp)],
      runs = groupRuns(exp, 'ES estimate');
    const reached = finals(runs, 'reached');
    const rows = band('ES estimate (median)', runs, 'corr', 100, 'offspring');
    const xs = rows.map((r) => r.x);
    const theory = xs.map((x) => ({ x, y: 100 * expectedCorrelation(x, P), label: 'sampling theory' }));
    const paperRatio = 274_000 / PARAMS['cnn-3m'];
    return {
      figures: [
        {
          name: 'population-search',
          caption:
            'ρ(g_ES, g_True) at θ0 as offspring are added (median over seeds, 25th-75th percentile band); dashed curve: sqrt(n/(n+P+1)) for n pairs; dotted: the 20% target.',
          spec: bandChart({
            title: `Correlation vs number of offspring (${popModel(exp)}, ${P.toLocaleString('en-US')} parameters)`,
            rows,
            xTitle: 'offspring (evaluations)',
            yTitle: 'ρ(g_ES, g_True) (%)',
            lines: theory,
            rules: [{ y: 20, label: 'target 20%' }],
          }),
        },
      ],
      tables: [
        {
          title: 'Offspring needed for ρ = 20%',
          header: ['', 'ours (mean ± std over seeds)', 'sampling theory', 'paper'],
          rows: [
            [
              'offspring',
              meanStd(reached),
              Math.round(theoryOffspring(0.2, P)).toLocaleString('en-US'),
              `about 274,000 (cnn-3m: ${Math.round(theoryOffspring(0.2, PARAMS['cnn-3m'])).toLocaleString('en-US')} in theory)`,
            ],
            [
              'offspring / parameters',
              meanStd(
                reached.map((r) => r / P),
                { digits: 4 },
              ),
              (theoryOffspring(0.2, P) / P).toFixed(4),
              paperRatio.toFixed(4),
            ],
            [
              'seeds that reached 20% before the cap',
              `${reached.filter(Number.isFinite).length} of ${runs.length}`,
              '',
              '',
            ],
          ],
        },
      ],
      notes: [],
      key: [
        [
          'offspring for ρ = 20% (per parameter)',
          `${meanStd(reached)} (${meanStd(
            reached.map((r) => r / P),
            { digits: 4 },
          )})`,
          `274,000 (${paperRatio.toFixed(4)})`,
        ],
      ],
    };
  },
};

export const timing: Preset = {
  name: 'timing',
  title: 'Aggregation time at the master: full vs limited perturbation',
  paper:
    '10,000 offspring × 3,274,634 parameters: about 90 s; limited, 50,000 × 5,000: 1.4 s (64× faster; 131× in theory)',
  scales: {
    paper: { doc: "the paper's sizes, 5 timed repeats each", seeds: 1 },
    small: { doc: "the paper's sizes (they fit one machine), 3 timed repeats each", seeds: 1 },
    smoke: {
      doc: "cnn-29k's 28,938 parameters, 1,000 full and 5,000 limited offspring, a 2^20 noise table",
      seeds: 1,
    },
  },
  runs(scale, seeds) {
    const P = scale === 'smoke' ? PARAMS['cnn-29k'] : PARAMS['cnn-3m'],
      repeats = { paper: 5, small: 3, smoke: 1 }[scale];
    const sizes =
      scale === 'smoke'
        ? // the paper's 5,000-parameter bucket scaled by the parameter ratio (44 on cnn-29k)
          { full: 1000, limited: 5000, bucket: Math.round((5000 * P) / PARAMS['cnn-3m']), tableSize: 1 << 20 }
        : { full: 10_000, limited: 50_000, bucket: 5000 };
    const t = sizes.tableSize === undefined ? {} : { tableSize: sizes.tableSize };
    return seedList(seeds).flatMap((seed): RunSpec[] => [
      {
        id: `full-s${seed}`,
        group: 'full',
        seed,
        kind: 'timing',
        population: sizes.full,
        params: P,
        limited: false,
        bucketSize: sizes.bucket,
        repeats,
        ...t,
      },
      {
        id: `limited-s${seed}`,
        group: 'limited',
        seed,
        kind: 'timing',
        population: sizes.limited,
        params: P,
        limited: true,
        bucketSize: sizes.bucket,
        repeats,
        ...t,
      },
    ]);
  },
  report(exp) {
    const full = groupRuns(exp, 'full'),
      lim = groupRuns(exp, 'limited');
    const sec = (runs: typeof full, k: string): number[] => finals(runs, k);
    const f = sec(full, 'seconds'),
      d = sec(full, 'directEstimateSeconds'),
      l = sec(lim, 'seconds');
    const s = (xs: number[]): string => `${meanStd(xs, { digits: 3 })} s`;
    const ratio = (a: number[], b: number[]): string =>
      a.length && b.length ? `${(a[0]! / b[0]!).toFixed(1)}×` : 'n/a';
    const spec0 = exp.manifest.runs[0],
      spec1 = exp.manifest.runs[1];
    const size = (r: typeof spec0): string =>
      r && r.kind === 'timing'
        ? `${r.population.toLocaleString('en-US')} × ${(r.limited ? r.bucketSize : r.params).toLocaleString('en-US')}`
        : '';
    const bars = [
      ...d.map((v) => ({
        label: `full ${size(spec0)}`,
        value: v,
        series: "direct sum (the paper's method)",
      })),
      ...f.map((v) => ({ label: `full ${size(spec0)}`, value: v, series: 'esgrad (fastest exact method)' })),
      ...l.map((v) => ({
        label: `limited ${size(spec1)}`,
        value: v,
        series: 'esgrad (fastest exact method)',
      })),
    ];
    return {
      figures: [
        {
          name: 'timing',
          caption:
            'Seconds for one gradient aggregation at the master (median of the timed repeats; log scale).',
          spec: logDotChart('Gradient aggregation time at the master', bars, 'seconds (log scale)'),
        },
      ],
      tables: [
        {
          title: 'One aggregation at the master',
          header: ['case', 'ours', 'paper (Xeon 2.2 GHz)'],
          rows: [
            [`full, ${size(spec0)}, direct sum (estimated from 64 offspring)`, s(d), '≈ 90 s'],
            [`full, ${size(spec0)}, esgrad (${String(full[0]?.summary?.method ?? '')})`, s(f), ''],
            [`limited, ${size(spec1)}`, s(l), '1.4 s'],
            [
              'speed-up: full by direct sum → limited (esgrad)',
              ratio(d, l),
              "64× (131× in theory), both by the paper's code",
            ],
            ['speed-up: full (esgrad) → limited (esgrad)', ratio(f, l), ''],
          ],
        },
      ],
      notes: [`Machine: ${exp.manifest.machine.cpus} × ${exp.manifest.machine.cpuModel}.`],
      key: [
        ['full aggregation (direct / esgrad)', `${s(d)} / ${s(f)}`, '90 s'],
        ['limited aggregation', s(l), '1.4 s'],
      ],
    };
  },
};
