// The data layer's error (missing, truncated, corrupt or ill-shaped data: one line naming the file) and
// the thousands-separated counts its messages and labels use.

import { UsageError } from '../types.ts';

/** A problem with data files (missing, truncated, corrupt, wrong shape, failed download). */
export class DataError extends UsageError {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    Object.defineProperty(this, 'name', { value: 'DataError', enumerable: false, configurable: true });
  }
}

/** Thousands separators, locale-independent: 22699 -> "22,699". */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
