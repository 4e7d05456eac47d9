// The ES side of esgrad: the OpenAI-ES strategy (init / ask / tell), its config, fitness shaping
// and the gradient aggregation over the shared noise table.

export { aggregateDirect } from './aggregate.ts';
export {
  DEFAULT_ES_CONFIG,
  type EsConfig,
  type EsConfigInput,
  esConfigSchema,
  parseEsConfig,
} from './config.ts';
export { centeredRanks, shapeFitness } from './fitness.ts';
export { ask, type EsMetrics, type EsState, init, sampleOffsets, tell } from './openai-es.ts';
export type { EsTask } from './task.ts';
