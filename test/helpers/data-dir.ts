// Where the tests find real MNIST: $ESGRAD_DATA_DIR, else ../shared/data/mnist beside the checkout.
// Tests never download anything; a missing directory makes the data tests fail with its path.
import { resolve } from 'node:path';

export const MNIST_DIR =
  process.env.ESGRAD_DATA_DIR || resolve(import.meta.dirname, '../../../shared/data/mnist');
