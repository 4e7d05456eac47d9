// The entry of every esgrad worker thread; it loads workerData.entry. From the TypeScript sources (a
// checkout: the entry is a .ts file) and for a TypeScript objective file (workerData.path) it first
// registers tsx, since Node 20 applies none of the parent's --import hooks to a worker; dist/ needs none.
import { workerData } from 'node:worker_threads';

const TYPESCRIPT = /\.[cm]?tsx?$/;

// Plain-JavaScript packages the worker will import, loaded before tsx registers: tsx would only slow
// them down (mujoco-js, 11 MB: 1.6 s instead of 4-5.6 s on the loaded 2-core machine).
for (const specifier of workerData.preload ?? []) await import(specifier);

if (TYPESCRIPT.test(workerData.entry) || TYPESCRIPT.test(workerData.path ?? '')) {
  const tsx = await import('tsx/esm/api').catch(() => undefined); // absent: Node's own error follows
  tsx?.register();
}
await import(workerData.entry);
