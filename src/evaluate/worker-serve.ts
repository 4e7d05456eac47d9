// The message loop of every evaluator worker thread: says it is ready, evaluates each chunk it is sent
// and answers with the rewards or the error (plus the tests' fault injection: exit on a chosen chunk).
import type { MessagePort } from 'node:worker_threads';
import type { ChunkRequest, ChunkResult, PoolInit, WorkerMessage } from './threads-protocol.ts';

export function serveChunks(
  port: MessagePort,
  init: PoolInit,
  evaluate: (req: ChunkRequest) => Promise<Omit<ChunkResult & { rewardsN: Float64Array }, 'chunk'>>,
): void {
  port.on('message', (req: ChunkRequest) => {
    if (
      req.chunk === init.exitOnChunk &&
      init.exitClaimSab &&
      Atomics.compareExchange(new Int32Array(init.exitClaimSab), 0, 0, 1) === 0
    ) {
      process.exit(3);
    }
    evaluate(req).then(
      (r) => port.postMessage({ chunk: req.chunk, ...r } satisfies ChunkResult),
      (e: unknown) =>
        port.postMessage({
          chunk: req.chunk,
          error: (e as Error)?.message ?? String(e),
        } satisfies ChunkResult),
    );
  });
  port.postMessage({ ready: true } satisfies WorkerMessage);
}
