// Issue 14 lab: interleaved timing by wall clock and by process CPU time, the latter what a session
// costs however loaded the shared machine is (the hypervisor's steal is not counted as CPU time); gradFeeds.
import type * as ort from 'onnxruntime-node';
import { batchFeeds, paramFeeds } from '../../src/backend/feeds.ts';
import { type Architecture, paramLayout } from '../../src/model/architecture.ts';
import { IO } from '../../src/model/graphs.ts';
import { initParams } from '../../src/model/init.ts';
import { median, randomBatch } from '../timing.ts';

/** Round-robin medians of wall seconds and of process CPU seconds (user + system) per call. */
export async function interleavedCpu(
  fns: readonly (() => Promise<unknown>)[],
  rounds: number,
  warmup = 2,
): Promise<{ wall: number[]; cpu: number[] }> {
  for (const fn of fns) for (let i = 0; i < warmup; i++) await fn();
  const wall = fns.map((): number[] => []);
  const cpu = fns.map((): number[] => []);
  for (let r = 0; r < rounds; r++)
    for (const [v, fn] of fns.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      wall[v]!.push((performance.now() - t0) / 1e3);
      const c = process.cpuUsage(c0);
      cpu[v]!.push((c.user + c.system) / 1e6);
    }
  return { wall: wall.map(median), cpu: cpu.map(median) };
}


/** Feeds of a built-in network's gradient graph: θ0 (seed 1) and a random batch of 50. */
export function gradFeeds(arch: Architecture): Record<string, ort.Tensor> {
  const layout = paramLayout(arch);
  const feeds: Record<string, ort.Tensor> = {};
  paramFeeds(layout, initParams(layout, 1), 0, (n) => n, feeds);
  batchFeeds(randomBatch(50), { exampleDims: arch.inputCHW, classes: 10 }, IO.x, IO.y, feeds);
  return feeds;
}
