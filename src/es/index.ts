// The ES side of esgrad: the OpenAI-ES strategy (init / ask / tell), its config, fitness shaping
// and the gradient aggregation over the shared noise table.

export { aggregateDirect } from './aggregate.ts';
export { DEFAULT_ES_CONFIG, esConfigSchema, parseEsConfig, type EsConfig, type EsConfigInput } from './config.ts';
export { centeredRanks, shapeFitness } from './fitness.ts';
export { ask, init, sampleOffsets, tell, type EsMetrics, type EsState } from './openai-es.ts';
export type { EsTask } from './task.ts';
