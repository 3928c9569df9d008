import type { Command } from 'commander';

/** One qjob sub-command. `run` returns the process exit code. */
export interface CommandSpec {
  readonly name: string;
  /** One line, shown by `qjob --help`. */
  readonly summary: string;
  readonly description?: string;
  configure(cmd: Command): void;
  run(cmd: Command, args: unknown[]): Promise<number>;
}
