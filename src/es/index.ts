// The ES side of esgrad: the OpenAI-ES strategy (init / ask / tell), its config and fitness shaping;
// the gradient's aggregation over the noise table is the engine in aggregate/.

export {
  activeBucketSize,
  DEFAULT_ES_CONFIG,
  defaultNoiseTableSize,
  type EsConfig,
  type EsConfigInput,
  type EsSettings,
  esConfigSchema,
  esFields,
  esSettingsOf,
  optimizerConfig,
  parseEsConfig,
  resolveNoiseTableSize,
  stepFields,
} from './config.ts';
export { centeredRanks, shapeFitness } from './fitness.ts';
export { ask, type EsMetrics, type EsState, init, sampleOffsets, tell } from './openai-es.ts';
export type { EsTask } from './task.ts';
