// Runs one training job from a validated config: loads the data, builds the network and θ0, picks
// the algorithm's Step, wires the reporters (JSONL, summary.json, progress bar) and runs the loop.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gradientOf, type Model } from '../backend/model.ts';
import { type ModelSource, modelFingerprint, openModel } from '../backend/source.ts';
import { type Dataset, dataFingerprint, formatCount, loadDataset } from '../data/index.ts';
import { esSettingsOf, init, optimizerConfig, resolveNoiseTableSize } from '../es/index.ts';
import { type EsResources, esResources } from '../evaluate/factory.ts';
import { defaultCopiesPerRun } from '../evaluate/local.ts';
import { RedisEvaluator } from '../evaluate/redis.ts';
import { type Architecture, activationFloats } from '../model/architecture.ts';
import { parseArchitecture } from '../model/spec.ts';
import { createOptimizer } from '../optim/index.ts';
import { checkNoiseTableSize, createNoiseTable } from '../rng/noise-table.ts';
import { type Metrics, UsageError } from '../types.ts';
import { VERSION } from '../version.ts';
import { type StepState, writeCheckpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { esStep } from './es.ts';
import { removeStaleTempFiles } from './files.ts';
import { type Step, trainLoop } from './loop.ts';
import { checkEsMemory, type EsRunSize, populationActivationBytes } from './memory.ts';
import { checkModelFitsData, modelLabel, modelSource } from './model.ts';
import { modelFilesReporter } from './model-files.ts';
import { proxyHook } from './proxy.ts';
import type { Reporter } from './reporter.ts';
import { callbackReporter, fileReporter, progressReporter, writeJsonAtomic } from './reporters.ts';
import { type ResumePoint, type RunFingerprints, resumePoint } from './resume.ts';
import { checkRunDir, clearRunDir, freeRunDir, makeRunDir, RUN_FILES } from './run-dir.ts';
import { type RunStatusWriter, startRunStatus } from './run-status.ts';
import { sgdStep } from './sgd.ts';
import { TENSORBOARD_DIR, tensorboardReporter } from './tensorboard.ts';
import { testEvaluations } from './test-evaluation.ts';

export interface TrainOptions {
  /** No progress bar (tests, scripts). */
  readonly quiet?: boolean;
  /** Messages for the user (data download, where results go). */
  readonly log?: (msg: string) => void;
  /** Continue the run in config.out from its checkpoint (see resume.ts for the config). */
  readonly resume?: boolean;
  /** Replace a run already in config.out (its esgrad files are removed first); else such a run is refused. */
  readonly overwrite?: boolean;
  /** Library use: more reporters hearing every iteration's record and θ, and the summary. */
  readonly reporters?: readonly Reporter[];
  /** Library use: called with every iteration's record and θ (the step's own array: copy what must outlive the call). */
  readonly onIteration?: Reporter['onIteration'];
  /** The Redis evaluator's redis://[user:password@]host:port/db (else $ESGRAD_REDIS_URL); never written to disk. */
  readonly redisUrl?: string;
  /** Stop after the current iteration, writing a checkpoint (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Library use: a network spec (an Architecture value) or a ModelSource instead of config.model. */
  readonly model?: Architecture | ModelSource;
  /** Library use: data in memory (datasetFromArrays) instead of config.dataset. */
  readonly data?: Dataset;
}

export function defaultRunDir(config: TrainConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return freeRunDir(join('runs', `${config.algo}-${modelLabel(config.model)}-s${config.seed}-${stamp}`));
}

/** What decides an ES run's memory (memory.ts): sizes, and the evaluator threads of this process. */
function esRunSize(config: TrainConfig, source: ModelSource, params: number): EsRunSize {
  const evaluatorThreads =
    config.evaluator === 'threads'
      ? config.workers || availableParallelism()
      : config.evaluator === 'local'
        ? 1
        : 0;
  const batch = config.noMinibatch ? config.subsetSize : config.batch;
  const activationBytes =
    source.format === 'spec'
      ? populationActivationBytes(activationFloats(source.spec), defaultCopiesPerRun(params), batch)
      : 0; // an imported ONNX model's activations are not known before a session runs
  return {
    ...config,
    noiseTableSize: resolveNoiseTableSize(config, params),
    params,
    evaluatorThreads,
    activationBytes,
  };
}

/** The noise table the ES proxy draws g_Noise from: the one an ES run of this config would use. */
function proxyNoiseTable(config: TrainConfig, P: number): Float32Array {
  const size = resolveNoiseTableSize(config, P);
  checkNoiseTableSize(size, P);
  return createNoiseTable(config.seed, size);
}

/** The algorithm's Step and the resources it holds (closed after the run). */
function buildStep(
  config: TrainConfig,
  net: Model,
  source: ModelSource,
  data: Dataset,
  reporters: readonly Reporter[],
  opts: TrainOptions = {},
  from?: StepState,
): { step: Step; resources?: EsResources } {
  const thetaP = from?.thetaP ?? net.initialTheta(config.seed);
  if (config.algo !== 'es') {
    const lossAndGrad = gradientOf(net, gradientUse(config)!);
    const opt = createOptimizer(optimizerConfig(config), config.l2);
    const start = { thetaP, optState: from?.optState ?? opt.init(thetaP) };
    const stepOpts =
      config.algo === 'proxy'
        ? {
            hook: proxyHook(config.seed, config.targetCorr, proxyNoiseTable(config, net.size)),
            sgdVsSgdEvery: config.sgdVsSgdEvery,
          }
        : { corrEvery: config.corrEvery, sgdVsSgdEvery: config.sgdVsSgdEvery };
    return { step: sgdStep(lossAndGrad, data.train, opt, config.seed, config.batch, start, stepOpts) };
  }
  const fresh = init(esSettingsOf(config), thetaP);
  const esState = from ? { ...fresh, optState: from.optState, generation: from.generation ?? 0 } : fresh;
  if (config.noMinibatch && config.subsetSize > data.train.count) {
    throw new UsageError(
      `--subset-size ${config.subsetSize} is larger than the training set (${formatCount(data.train.count)} images)`,
    );
  }
  if (config.replay && config.evaluator !== 'redis')
    throw new UsageError(
      '--replay is for the redis evaluator (--redis URL): its workers rebuild θ themselves',
    );
  const resources = esResources(config, net, source, data, {
    redisUrl: opts.redisUrl,
    ...(opts.log ? { log: opts.log } : {}),
    signal: opts.signal,
    runDir: config.out,
  });
  const onOffspring = (done: number, total: number): void => {
    for (const r of reporters) r.onPartial?.(done, total, 'offspring');
  };
  // ρ(g_ES, g_True) needs the common mini-batch on which g_True is computed.
  const corrEvery = config.noMinibatch ? 0 : config.corrEvery;
  const needs = gradientUse({ ...config, corrEvery });
  const lossAndGrad = needs === undefined ? undefined : gradientOf(net, needs);
  const step = esStep(
    {
      ...(lossAndGrad ? { lossAndGrad } : {}),
      ...resources,
      data: resources.taskData,
      corrEvery,
      sgdVsSgdEvery: config.sgdVsSgdEvery,
      onOffspring,
    },
    esState,
  );
  if (config.replay && resources.evaluator instanceof RedisEvaluator) {
    const snapshot = step.snapshot!;
    resources.evaluator.replay(esState.config, () => {
      const s = snapshot();
      return { thetaP: s.thetaP, optState: s.optState, generation: s.generation ?? 0 };
    });
  }
  return { step, resources };
}

/** The configured dataset, checked against the batch size. */
export async function loadTrainingData(config: TrainConfig, log: (msg: string) => void): Promise<Dataset> {
  const data = await loadDataset(config.dataset, {
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
    onProgress: log,
  });
  return checkBatch(config, data);
}

function checkBatch(config: TrainConfig, data: Dataset): Dataset {
  if (config.batch > data.train.count) {
    throw new UsageError(
      `--batch ${config.batch} is larger than the training set (${formatCount(data.train.count)} images)`,
    );
  }
  return data;
}

/** What in the config needs the loss's gradient (named as the user wrote it), if anything. */
function gradientUse(config: TrainConfig): string | undefined {
  if (config.algo !== 'es') return `--algo ${config.algo}`;
  if (config.corrEvery > 0 && !config.noMinibatch) return '--corr-every';
  return config.sgdVsSgdEvery > 0 ? '--sgd-vs-sgd-every' : undefined;
}

/** Trains as configured; returns the summary (also written to <out>/summary.json). */
export async function train(config: TrainConfig, opts: TrainOptions = {}): Promise<Metrics> {
  const log = opts.log ?? (() => {});
  const out = config.out ?? defaultRunDir(config);
  checkRunDir(out, { resume: opts.resume, overwrite: opts.overwrite }); // before any data is read
  const given = opts.model;
  const source =
    given === undefined
      ? modelSource(config.model, config.loss) // a bad --model ends here, before any data is read
      : 'format' in given
        ? given
        : ({ format: 'spec', spec: parseArchitecture(given, 'model') } as const);
  const net = openModel(source, { threads: config.threads }); // sessions are made lazily
  if (config.algo === 'es') checkEsMemory(esRunSize(config, source, net.size)); // before any data is read
  const needs = gradientUse(config);
  if (needs) gradientOf(net, needs); // an imported model with SGD ends here, before any data is read
  const data = opts.data ? checkBatch(config, opts.data) : await loadTrainingData(config, log);
  checkModelFitsData(net, data);
  const tests = testEvaluations(net, data.test, config.evalSubset); // refuses a subset as large as the test set
  let built: ReturnType<typeof buildStep> | undefined;
  const reporters: Reporter[] = [];
  let fingerprints: RunFingerprints | undefined; // computed once, when first needed (sha256 of the training set)
  let status: RunStatusWriter | undefined; // status.json: running, then how the run ended
  const fingerprintsOfRun = (): RunFingerprints =>
    (fingerprints ??= { data: dataFingerprint(data.train), model: modelFingerprint(source) });
  try {
    const from: ResumePoint | undefined = opts.resume
      ? resumePoint(out, config, fingerprintsOfRun())
      : undefined;
    built = buildStep({ ...config, out }, net, source, data, reporters, opts, from?.state); // validates the algorithm's settings before anything is written
    if (built.resources?.evaluator instanceof RedisEvaluator) await built.resources.evaluator.connect(); // one clear line if Redis is unreachable
    if (opts.overwrite && !opts.resume) clearRunDir(out);
    makeRunDir(out);
    const stale = removeStaleTempFiles(out, RUN_FILES);
    if (stale.length > 0)
      log(`removed ${stale.length} temporary file(s) left by a killed run: ${stale.join(', ')}`);
    writeJsonAtomic(join(out, 'config.json'), { ...config, out }); // exactly the settings: --config reads it back
    writeJsonAtomic(join(out, 'run.json'), {
      esgrad: VERSION,
      model: net.name,
      params: net.size,
      dataset: data.label,
    });
    status = startRunStatus(out);
    log(
      `${config.algo} on ${net.name} (${net.size.toLocaleString('en-US')} parameters), ${data.label}; results in ${out}`,
    );
    if (from) log(`resuming at iteration ${from.loop.iteration} of ${config.iters}`);
    if (config.algo === 'es' && config.noMinibatch && config.corrEvery > 0) {
      log(
        'note: the gradient correlation is not defined without a common mini-batch (--no-minibatch): none is logged',
      );
    }
    reporters.push(fileReporter(out, from?.history ?? []));
    if (config.tensorboard) {
      reporters.push(
        tensorboardReporter(join(out, TENSORBOARD_DIR), from?.history ?? [], {
          ...(config.algo === 'es' ? { population: config.population } : {}),
        }),
      );
    }
    reporters.push(...(opts.reporters ?? []));
    if (opts.onIteration) reporters.push(callbackReporter(opts.onIteration));
    reporters.push(
      modelFilesReporter(out, source, net, {
        keepBest: config.keepBest,
        ...(from ? { resumeAt: { ...from.loop, thetaP: from.state.thetaP } } : {}),
      }),
    );
    if (!opts.quiet) reporters.push(progressReporter(config.iters, config.algo, from?.loop.iteration ?? 0));
    const step = built.step;
    const summary = await trainLoop({
      iters: config.iters,
      evalEvery: config.evalEvery,
      step: built.step,
      evaluateTest: tests.full,
      ...(tests.subset ? { evaluateSubset: tests.subset } : {}),
      reporters,
      describe: {
        algo: config.algo,
        model: net.name,
        params: net.size,
        dataset: data.label,
        seed: config.seed,
      },
      ...(from ? { resume: from } : {}),
      checkpointEvery: config.checkpointEvery,
      checkpoint: (loop) => {
        for (const r of reporters) r.sync?.(); // metrics.jsonl holds every record before the checkpoint
        writeCheckpoint(out, {
          config: { ...config, out },
          loop,
          state: step.snapshot!(),
          rng: { seed: config.seed, streams: 'every stream is a pure function of (seed, iteration)' },
          sampler: { seed: config.seed, batchSize: config.batch, nextBatch: loop.iteration },
          savedAt: new Date().toISOString(),
          fingerprints: fingerprintsOfRun(),
        });
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return status.ended(summary);
  } catch (e) {
    status?.failed(e);
    throw e;
  } finally {
    for (const r of reporters) r.close?.();
    await built?.resources?.close();
    await net.close();
  }
}
