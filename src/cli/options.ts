// Shared pieces of the esgrad command line: number parsers that reject junk with one line, and the
// collection of the options a user actually typed (so config files and zod defaults fill the rest).
import { type Command, InvalidArgumentError } from 'commander';

/** Parses a finite number; anything else is a one-line usage error naming the value. */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

/** The options of `cmd` that came from the command line (not from defaults). */
export function typedOptions(cmd: Command, skip: readonly string[] = []): Record<string, unknown> {
  const opts = cmd.opts();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (skip.includes(key) || cmd.getOptionValueSource(key) !== 'cli') continue;
    out[key] = value;
  }
  return out;
}
