// The esgrad library: everything a TypeScript user needs to build networks, run ES or SGD, and
// measure gradient correlations, re-exported from the modules that implement it.
export * from './types.ts';
export * from './rng/prng.ts';
export * from './rng/noise-table.ts';
export * from './data/index.ts';
export * from './model/architecture.ts';
export { initParams } from './model/init.ts';
export { gradGraph, logitsGraph, lossGraph, populationGraph } from './model/graphs.ts';
export { Network, type Perturbation } from './backend/network.ts';
export * from './es/index.ts';
export * from './optim/index.ts';
export type { Evaluator, TaskData } from './evaluate/evaluator.ts';
export { LocalEvaluator, evaluateTasks } from './evaluate/local.ts';
export { ThreadsEvaluator, sharedSplit } from './evaluate/threads.ts';
export { RedisEvaluator, type RedisEvaluatorOptions, type RedisStats } from './evaluate/redis.ts';
export { runWorker, type WorkerOptions } from './evaluate/redis-worker.ts';
export { redisTarget, type RedisTarget } from './evaluate/redis-connect.ts';
export { cosine, l2Norm, pearson } from './analysis/correlation.ts';
export { parseTrainConfig, trainConfigSchema, type TrainConfig } from './run/config.ts';
export { train } from './run/train.ts';
export { trainLoop, type Step } from './run/loop.ts';
export { readCheckpoint, writeCheckpoint, type Checkpoint, type LoopState, type StepState } from './run/checkpoint.ts';
