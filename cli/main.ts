/**
 * The qjob command line: one sub-command per file in cli/commands, listed in cli/commands/index.ts.
 * Exit codes: 0 success or conformance, 1 a violation was found, 2 unusable input or usage.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.ts';
import { UsageError } from './errors.ts';

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('qjob')
    .description("A formal model and conformance suite for QEMU's background-job API")
    .showHelpAfterError('(run qjob --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  for (const spec of commands) {
    const sub = program.command(spec.name).summary(spec.summary).description(spec.description ?? spec.summary);
    spec.configure(sub);
    sub.exitOverride();
    sub.action(async (...args: unknown[]) => {
      exitCode = await spec.run(sub, args);
    });
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`qjob: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`qjob: ${message}\n`);
    return 2;
  }
  return exitCode;
}
