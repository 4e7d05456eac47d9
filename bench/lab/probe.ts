// Lab: prints the NCHWc block size of this machine's ONNX Runtime CPU kernels (0: none), as
// Network uses it to choose the population graph's convolution ops.
import { nchwcBlockSize } from '../../src/backend/session.ts';

console.log('block', await nchwcBlockSize());
