// `esgrad train --task NAME`: a control-task run (classic control; policies trained by OpenAI-ES) from
// the train command's flags or --config file, validated by run/control-config.ts, ending with one line.
import { InvalidArgumentError } from 'commander';
import type { FieldNamer } from '../optim/index.ts';
import { UsageError } from '../types.ts';

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
  readonly resume: boolean;
}

export async function trainControlCommand(
  values: Record<string, unknown>,
  name: FieldNamer,
  opts: ControlCommandOptions,
): Promise<void> {
  if (opts.resume) throw new UsageError('--task runs cannot --resume yet');
  const { parseControlConfig } = await import('../run/control-config.ts');
  const { defaultControlRunDir, trainControl } = await import('../run/control.ts');
  const parsed = parseControlConfig(values, name);
  const config = { ...parsed, out: parsed.out ?? defaultControlRunDir(parsed) };
  const s = (
    await trainControl(config, {
      log: opts.quiet ? () => {} : (m) => console.error(m),
      redisUrl: opts.redisUrl,
    })
  ).summary;
  console.log(
    `es ${s.task}: evaluation return ${Number(s.finalEvalReturn).toFixed(1)} (best ${Number(s.bestEvalReturn).toFixed(1)} at iteration ${s.bestEvalIteration}) after ${s.iterations} iterations, ${s.timesteps} steps, ${Number(s.seconds).toFixed(1)} s (${Math.round(Number(s.timestepsPerSecond))} steps/s); ${config.out}`,
  );
}
