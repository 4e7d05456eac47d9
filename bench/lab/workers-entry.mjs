// Lab: entry of the workers.ts worker threads: Node 20 does not apply --import hooks to a worker's
// entry file, so this plain-JS file registers tsx and then loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./workers.ts');
