/** `qjob tables`: a release's JobSTT and JobVerbTable, as a readable matrix or as JSON. */
import type { Command } from 'commander';
import { tablesJson, type JobStatus, type Profile } from '../../machines/index.ts';
import type { CommandSpec } from '../command.ts';
import { profileOption } from '../release.ts';

const ABBREV: Readonly<Record<JobStatus, string>> = {
  undefined: 'U',
  created: 'C',
  running: 'R',
  paused: 'P',
  ready: 'Y',
  standby: 'S',
  waiting: 'W',
  pending: 'D',
  aborting: 'X',
  concluded: 'E',
  null: 'N',
};

function matrix(title: string, rows: readonly string[], cols: readonly JobStatus[], cell: (row: string, col: JobStatus) => boolean): string {
  const width = Math.max(...rows.map((r) => r.length), title.length);
  const head = `${title.padEnd(width)} | ${cols.map((c) => ABBREV[c]).join(' ')}`;
  const lines = [head, `${'-'.repeat(width)}-+-${cols.map(() => '-').join('-')}`];
  for (const r of rows) lines.push(`${r.padEnd(width)} | ${cols.map((c) => (cell(r, c) ? 'x' : '.')).join(' ')}`);
  return lines.join('\n');
}

export function renderTables(profile: Profile): string {
  const t = tablesJson(profile);
  const legend = t.statuses.map((s) => `${ABBREV[s]}=${s}`).join(' ');
  return [
    `QEMU ${t.release}: job status transitions (JobSTT) and verbs (JobVerbTable)`,
    `columns: ${legend}`,
    '',
    matrix('from \\ to', t.statuses, t.statuses, (row, col) => t.transitions[row as JobStatus].includes(col)),
    '',
    matrix('verb \\ status', t.verbs, t.statuses, (row, col) => (t.verbTable[row] ?? []).includes(col)),
    '',
  ].join('\n');
}

export const tablesCommand: CommandSpec = {
  name: 'tables',
  summary: "print a release's status transition table and verb table",
  description:
    "Prints QEMU's JobSTT and JobVerbTable for a release (default: the newest modelled), as a matrix or as JSON.",
  configure(cmd: Command) {
    cmd.option('--release <X.Y>', 'QEMU release, 2.12 or newer (default: newest modelled)').option('--json', 'print JSON');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<{ release?: string; json?: boolean }>();
    const profile = profileOption(opts.release);
    process.stdout.write(opts.json ? JSON.stringify(tablesJson(profile)) + '\n' : renderTables(profile));
    return 0;
  },
};
