// Runs one training job from a validated config: loads the data, builds the network and θ0, picks
// the algorithm's Step, wires the reporters (JSONL, summary.json, progress bar) and runs the loop.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '../backend/network.ts';
import { formatCount, loadDataset, type Dataset } from '../data/index.ts';
import { initParams } from '../model/init.ts';
import { createOptimizer } from '../optim/index.ts';
import { UsageError, type Metrics } from '../types.ts';
import type { TrainConfig } from './config.ts';
import { trainLoop, type Step } from './loop.ts';
import { fileReporter, progressReporter, writeJsonAtomic, type Reporter } from './reporters.ts';
import { sgdStep } from './sgd.ts';

export interface TrainOptions {
  /** No progress bar (tests, scripts). */
  readonly quiet?: boolean;
  /** Messages for the user (data download, where results go). */
  readonly log?: (msg: string) => void;
}

export function defaultRunDir(config: TrainConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${config.algo}-${config.model}-s${config.seed}-${stamp}`);
}

function buildStep(config: TrainConfig, net: Network, data: Dataset): Step {
  const opt = createOptimizer(config.optimizer === 'adam' ? { name: 'adam', lr: config.lr, b1: 0.9, b2: 0.999, eps: 1e-8 } : { name: 'sgd', lr: config.lr }, config.l2);
  const thetaP = initParams(net.layout, config.seed);
  if (config.algo === 'sgd') return sgdStep(net, data.train, opt, config.seed, config.batch, { thetaP, optState: opt.init(thetaP) });
  throw new UsageError(`--algo ${config.algo} is not available yet: allowed is sgd`);
}

/** Trains as configured; returns the summary (also written to <out>/summary.json). */
export async function train(config: TrainConfig, opts: TrainOptions = {}): Promise<Metrics> {
  const log = opts.log ?? (() => {});
  const data = await loadDataset(config.dataset, { ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }), onProgress: log });
  if (config.batch > data.train.count) {
    throw new UsageError(`--batch ${config.batch} is larger than the training set (${formatCount(data.train.count)} images)`);
  }
  const out = config.out ?? defaultRunDir(config);
  mkdirSync(out, { recursive: true });
  const net = Network.byName(config.model, { threads: config.threads });
  const describe: Metrics = {
    algo: config.algo, model: config.model, params: net.size, dataset: data.label, seed: config.seed,
  };
  writeJsonAtomic(join(out, 'config.json'), { ...config, out, dataset: config.dataset, datasetLabel: data.label, params: net.size });
  log(`${config.algo} on ${config.model} (${net.size.toLocaleString('en-US')} parameters), ${data.label}; results in ${out}`);
  const reporters: Reporter[] = [fileReporter(out)];
  if (!opts.quiet) reporters.push(progressReporter(config.iters, config.algo));
  try {
    return await trainLoop({
      iters: config.iters,
      evalEvery: config.evalEvery,
      step: buildStep(config, net, data),
      evaluateTest: (thetaP) => net.evaluate(thetaP, data.test.imagesNxHxW, data.test.labelsN),
      reporters,
      describe,
    });
  } finally {
    await net.close();
  }
}
