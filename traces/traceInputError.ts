/** The error every trace reader throws for input it cannot use: it names the file and the line. */
import { printable } from './printable.ts';

/** Input that cannot be read as a trace: the file, the 1-based line (0: the file as a whole), why. */
export class TraceInputError extends Error {
  override readonly name = 'TraceInputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    // File names and reasons may carry text from the input: never print its control characters raw.
    super(printable(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`));
  }
}

/** Longest line (or message spanning lines) accepted, in characters: QEMU's MAX_TOKEN_SIZE, 64 MiB. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;
