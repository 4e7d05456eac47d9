// `esgrad export RUN_DIR`: the run's trained model as model.onnx or theta.safetensors bytes, from its
// checkpoint or final model files (whichever is later), the model rebuilt from the run's config.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { ExportFormat } from '../run/export.ts';
import { UsageError } from '../types.ts';

const FORMATS: readonly ExportFormat[] = ['onnx', 'safetensors'];

function formatOf(format: string | undefined, out: string | undefined): ExportFormat {
  const f = format ?? (out !== undefined && /\.safetensors$/i.test(out) ? 'safetensors' : 'onnx');
  if (!(FORMATS as readonly string[]).includes(f))
    throw new UsageError(`--format ${f}: use ${FORMATS.join(' or ')}`);
  return f as ExportFormat;
}

export function exportCommand(): Command {
  return new Command('export')
    .description("write a run's trained model (from its checkpoint or final files) as ONNX or safetensors")
    .argument('<run-dir>', 'the run directory (with config.json and checkpoint.bin or theta.safetensors)')
    .option(
      '--format <name>',
      'onnx (a self-contained model) | safetensors (θ, one tensor per parameter) (default onnx, or from --out)',
    )
    .option(
      '--out <file>',
      'where to write (default <run-dir>/model-iter<N>.onnx or theta-iter<N>.safetensors)',
    )
    .action(async (dir: string, opts: { format?: string; out?: string }) => {
      const format = formatOf(opts.format, opts.out);
      const { exportRun } = await import('../run/export.ts'); // loaded when used: a fast --help
      const r = await exportRun(dir, format);
      const out =
        opts.out ??
        join(
          dir,
          format === 'onnx' ? `model-iter${r.iteration}.onnx` : `theta-iter${r.iteration}.safetensors`,
        );
      try {
        writeFileSync(out, r.bytes);
      } catch (e) {
        throw new UsageError(
          `--out ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      console.log(
        `${out}: θ after iteration ${r.iteration} (from ${r.from}), ${r.bytes.length.toLocaleString('en-US')} bytes`,
      );
    });
}
