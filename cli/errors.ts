/** An error in what the user asked for or gave (bad option, unusable input): exit code 2, no stack trace. */
import { printable } from '../traces/printable.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    // Messages quote paths and input: never print their control characters raw.
    super(printable(message));
  }
}
