// The esgrad library: everything a TypeScript user needs to build networks, run ES or SGD, and
// measure gradient correlations, re-exported from the modules that implement it.

export * from './aggregate/index.ts';
export { cosine, pearson } from './analysis/correlation.ts';
export { gradientOf, type LossKind, type Model } from './backend/model.ts';
export { Network, type Perturbation } from './backend/network.ts';
export { importedOnnxWithTheta, onnxWithTheta } from './backend/onnx-export.ts';
export { OnnxModel } from './backend/onnx-model.ts';
export {
  builtinSource,
  type ModelSource,
  modelFingerprint,
  modelSourceFromFile,
  openModel,
} from './backend/source.ts';
export * from './data/index.ts';
export {
  type ActionSpace,
  type Env,
  type EnvFactory,
  type EnvSpec,
  type EnvState,
  type StepResult,
  VecEnv,
} from './env/env.ts';
export { initPolicy, type PolicySpec, policyForward } from './env/policy.ts';
export { TASK_NAMES, TASKS, taskFactory } from './env/tasks.ts';
export { candidateInto, candidates } from './es/candidates.ts';
export * from './es/index.ts';
export {
  type EvaluationSettings,
  type Evaluator,
  evaluationSettings,
  type TaskData,
  taskData,
} from './evaluate/evaluator.ts';
export { type EvaluatorKind, esResources } from './evaluate/factory.ts';
export { evaluateTasks, LocalEvaluator } from './evaluate/local.ts';
export {
  type Direction,
  loadObjective,
  type ObjectiveFn,
  type ObjectiveModule,
  objectiveHash,
} from './evaluate/objective.ts';
export {
  type DirectedObjective,
  evaluateObjectiveTasks,
  ObjectiveEvaluator,
} from './evaluate/objective-local.ts';
export { ObjectiveThreadsEvaluator } from './evaluate/objective-threads.ts';
export { RedisEvaluator, type RedisEvaluatorOptions, type RedisStats } from './evaluate/redis.ts';
export { type RedisTarget, redisTarget } from './evaluate/redis-connect.ts';
export { modelWork, objectiveWork, type RedisWork } from './evaluate/redis-run.ts';
export { runWorker, type WorkerOptions } from './evaluate/redis-worker.ts';
export { sharedSplit, ThreadsEvaluator } from './evaluate/threads.ts';
export * from './model/architecture.ts';
export { exportOnnx } from './model/export.ts';
export { gradGraph, logitsGraph, lossGraph, populationGraph } from './model/graphs.ts';
export { initParams } from './model/init.ts';
export {
  encodeSafetensors,
  readSafetensorsHeader,
  type SafetensorsMetadata,
  type SafetensorsTensor,
  thetaFromSafetensors,
} from './model/safetensors.ts';
export { loadArchitecture, parseArchitecture } from './model/spec.ts';
export * from './optim/index.ts';
export * from './rng/noise-table.ts';
export * from './rng/prng.ts';
export {
  type Checkpoint,
  type LoopState,
  readCheckpoint,
  type StepState,
  writeCheckpoint,
} from './run/checkpoint.ts';
export {
  parseTrainConfig,
  type TrainConfig,
  type TrainConfigInput,
  trainConfigSchema,
} from './run/config.ts';
export { evaluatePolicy, trainControl } from './run/control.ts';
export type { SavedPolicy } from './run/control-checkpoint.ts';
export { type ControlConfig, parseControlConfig } from './run/control-config.ts';
export { csvReporter } from './run/csv.ts';
export {
  type EvaluateOnnxOptions,
  type ExportFormat,
  evaluateOnnxFile,
  exportRun,
  type OnnxEvaluation,
  type RunTheta,
  readRunTheta,
} from './run/export.ts';
export { type Step, trainLoop } from './run/loop.ts';
export {
  BEST_MODEL_FILE,
  BEST_THETA_FILE,
  MODEL_FILE,
  type ModelFilesOptions,
  modelFileBytes,
  modelFilesReporter,
  THETA_FILE,
} from './run/model-files.ts';
export {
  type IterationInfo,
  type IterationRecord,
  type ObjectiveInput,
  type OptimizeOptions,
  type OptimizeResult,
  optimize,
} from './run/optimize.ts';
export type { Reporter } from './run/reporter.ts';
export { callbackReporter, fileReporter } from './run/reporters.ts';
export { tensorboardReporter } from './run/tensorboard.ts';
export { type TrainOptions, train } from './run/train.ts';
export * from './types.ts';
export { l2Norm, type NumVec } from './vector.ts';
