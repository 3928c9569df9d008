/** An error in what the user asked for or gave (bad option, unusable input): exit code 2, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
