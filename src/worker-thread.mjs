// The entry of every esgrad worker thread: Node 20 applies no --import hooks to a worker's entry
// file, so this plain-JS file registers tsx for the TypeScript sources, then loads workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
