/**
 * Writes a trace file line by line. The file is opened once and each line goes out in one synchronous
 * write(2) as soon as it is given, so whatever kills the writer (even `kill -9`) leaves a file of whole
 * lines: a valid JSON-lines prefix of the session. Lines are in the kernel, not necessarily on disk;
 * `close()` fsyncs.
 */
import fs from 'node:fs';
import { formatLine, type MetaLine, type TraceLine } from './format.ts';

export class TraceWriter {
  private fd: number | undefined;
  private count = 0;

  /** Creates (or truncates) the file. */
  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
  }

  /** Message lines written so far (the meta line not counted). */
  get lines(): number {
    return this.count;
  }

  write(line: TraceLine | MetaLine): void {
    if (this.fd === undefined) throw new Error(`trace ${this.path} is closed`);
    const bytes = Buffer.from(formatLine(line), 'utf8');
    let done = 0;
    // A regular file takes the whole buffer in one write; the loop only guards against a short write.
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
    if (!('meta' in line)) this.count += 1;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.fsyncSync(fd);
    } catch {
      // Not every file can be synced (a pipe, /dev/stdout); its lines are written all the same.
    }
    fs.closeSync(fd);
  }
}
