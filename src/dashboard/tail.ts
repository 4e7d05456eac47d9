// Follows a JSONL file as it grows: reads only the bytes appended since the last read, keeps a
// half-written last line until its newline arrives, and starts over when the file is replaced or cut.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Metrics } from '../types.ts';

export interface TailRead {
  /** The file was replaced or truncated (a resumed or overwritten run): `records` start from the first. */
  readonly reset: boolean;
  /** Complete records appended since the last read (or all of them after a reset). */
  readonly records: Metrics[];
  /** Complete lines that are not a JSON object (skipped), since the last read. */
  readonly badLines: number;
  /** The file does not exist (not yet, or deleted). */
  readonly missing: boolean;
}

/** Bytes read per system call. */
const CHUNK = 1 << 20;

export class JsonlTail {
  private offset = 0;
  private inode = -1;
  private partial = '';
  private decoder = new StringDecoder('utf8');

  constructor(readonly path: string) {}

  /** Bytes consumed so far (complete lines and the pending partial line). */
  get bytesRead(): number {
    return this.offset;
  }

  /** The half-written last line waiting for its newline ('' when none). */
  get pending(): string {
    return this.partial;
  }

  read(): TailRead {
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (!st) {
      const reset = this.offset > 0;
      this.restart(-1);
      return { reset, records: [], badLines: 0, missing: true };
    }
    let reset = false;
    if (st.ino !== this.inode || st.size < this.offset) {
      reset = this.inode !== -1 || this.offset > 0;
      this.restart(st.ino);
    }
    if (st.size === this.offset) return { reset, records: [], badLines: 0, missing: false };
    const text = this.readFrom(st.size);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    const records: Metrics[] = [];
    let badLines = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const v: unknown = JSON.parse(line);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) records.push(v as Metrics);
        else badLines++;
      } catch {
        badLines++;
      }
    }
    return { reset, records, badLines, missing: false };
  }

  private restart(inode: number): void {
    this.offset = 0;
    this.inode = inode;
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
  }

  /** Decoded text of bytes [offset, end); a UTF-8 character cut at `end` waits in the decoder. */
  private readFrom(end: number): string {
    const fd = openSync(this.path, 'r');
    try {
      const parts: string[] = [];
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - this.offset));
      while (this.offset < end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - this.offset), this.offset);
        if (n === 0) break;
        parts.push(this.decoder.write(buf.subarray(0, n)));
        this.offset += n;
      }
      return parts.join('');
    } finally {
      closeSync(fd);
    }
  }
}
