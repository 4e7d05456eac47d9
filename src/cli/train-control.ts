// `esgrad train --task NAME`: a control-task run (classic control; policies trained by OpenAI-ES) from
// the train command's flags or --config file, validated by run/control-config.ts, ending with one line.
import { InvalidArgumentError } from 'commander';
import type { FieldNamer } from '../optim/index.ts';
import type { Metrics } from '../types.ts';
import { stopOnSignals } from './signals.ts';

/** Parses --hidden "64,64" (or "" for a linear policy) into layer widths. */
export function parseHidden(value: string): number[] {
  if (value.trim() === '') return [];
  const widths = value.split(',').map((s) => Number(s.trim()));
  if (widths.some((w) => !Number.isInteger(w) || w < 1))
    throw new InvalidArgumentError(`'${value}' is not a list of positive integers like 64,64.`);
  return widths;
}

export interface ControlCommandOptions {
  readonly quiet: boolean;
  /** --redis URL (the evaluator is then redis). */
  readonly redisUrl: string | undefined;
  /** --resume DIR: continue the control run there. */
  readonly resume: string | undefined;
}

export async function trainControlCommand(
  values: Record<string, unknown>,
  name: FieldNamer,
  opts: ControlCommandOptions,
): Promise<void> {
  const { parseControlConfig } = await import('../run/control-config.ts');
  const { controlResume } = await import('../run/control-checkpoint.ts');
  const { defaultControlRunDir, trainControl } = await import('../run/control.ts');
  const resumed = opts.resume === undefined ? undefined : controlResume(opts.resume, values, name);
  const parsed = resumed?.config ?? parseControlConfig(values, name);
  const config = { ...parsed, out: parsed.out ?? defaultControlRunDir(parsed) };
  // Ctrl-C (SIGINT) and SIGTERM: finish the iteration, write policy.json and a checkpoint, exit 128 + the signal's number.
  const stop = stopOnSignals(
    (m) => console.error(m),
    'stopping after this iteration and writing policy.json and a checkpoint',
  );
  let s: Metrics;
  try {
    s = (
      await trainControl(config, {
        log: opts.quiet ? () => {} : (m) => console.error(m),
        redisUrl: opts.redisUrl,
        signal: stop.signal,
        ...(resumed ? { resume: resumed.point } : {}),
      })
    ).summary;
  } finally {
    stop.dispose();
  }
  if (s.interrupted === true) {
    const redis =
      config.evaluator === 'redis'
        ? (await import('../evaluate/redis-connect.ts')).resumeRedisHint(opts.redisUrl)
        : '';
    console.log(
      `stopped at iteration ${s.iterations} of ${config.iters}; policy.json and checkpoint written; continue with: esgrad train --resume ${config.out}${redis}`,
    );
    process.exitCode = stop.exitCode();
    return;
  }
  console.log(
    `es ${s.task}: evaluation return ${Number(s.finalEvalReturn).toFixed(1)} (best ${Number(s.bestEvalReturn).toFixed(1)} at iteration ${s.bestEvalIteration}) after ${s.iterations} iterations, ${s.timesteps} steps, ${Number(s.seconds).toFixed(1)} s (${Math.round(Number(s.timestepsPerSecond))} steps/s); ${config.out}`,
  );
}
