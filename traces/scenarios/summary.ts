/**
 * What one recorded session covers, read from its messages (not from the script): the job types it
 * created, the statuses its jobs went through, and each verb command with the status its job was in
 * when the command was sent ("absent" when there was no such job). Feeds the corpus READMEs and
 * docs/corpus.md.
 */
import type { QmpMessage, TraceLine } from '../format.ts';

export interface TraceSummary {
  readonly jobTypes: ReadonlySet<string>;
  readonly statuses: ReadonlySet<string>;
  /** Verb command (with `(force)` / `(<0)` variants) → statuses it was sent in. */
  readonly verbs: ReadonlyMap<string, ReadonlySet<string>>;
  /** A command got no reply before the session ended. */
  readonly unanswered: boolean;
}

const CREATORS: Readonly<Record<string, string>> = {
  'blockdev-backup': 'backup',
  'drive-backup': 'backup',
  'blockdev-mirror': 'mirror',
  'drive-mirror': 'mirror',
  'block-stream': 'stream',
  'blockdev-create': 'create',
  'x-blockdev-amend': 'amend',
};

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The job type a creating command makes, e.g. `commit (active)`; undefined for other commands. */
export function creatorType(command: string, args: Record<string, unknown>): string | undefined {
  if (command === 'block-commit') return args['top-node'] === undefined ? 'commit (active)' : 'commit (intermediate)';
  return CREATORS[command];
}

/** The id a verb command names, or undefined when it is not a job verb. */
export function verbTarget(command: string, args: Record<string, unknown>): string | undefined {
  if (!command.startsWith('job-') && !command.startsWith('block-job-')) return undefined;
  const id = args['id'] ?? args['device'];
  return typeof id === 'string' ? id : undefined;
}

/** `block-job-cancel(force)`, `block-job-set-speed(<0)`, or the command itself. */
export function verbLabel(command: string, args: Record<string, unknown>): string {
  if (command === 'block-job-cancel' && args['force'] === true) return 'block-job-cancel(force)';
  if (command === 'block-job-set-speed' && typeof args['speed'] === 'number' && args['speed'] < 0) return 'block-job-set-speed(<0)';
  return command;
}

export function summarizeTrace(lines: Iterable<TraceLine>): TraceSummary {
  const jobTypes = new Set<string>();
  const statuses = new Set<string>();
  const verbs = new Map<string, Set<string>>();
  const current = new Map<string, string>();
  const pending = new Set<unknown>();
  for (const line of lines) {
    const msg: QmpMessage = line.msg;
    if (line.dir === 'send') {
      const command = msg['execute'];
      if (typeof command !== 'string') continue;
      pending.add(msg['id']);
      const args = record(msg['arguments']);
      const type = creatorType(command, args);
      if (type !== undefined) jobTypes.add(type);
      if (command === 'transaction') {
        for (const action of Array.isArray(args['actions']) ? args['actions'] : []) {
          const t = creatorType(String(record(action)['type']), record(record(action)['data']));
          if (t !== undefined) jobTypes.add(t);
        }
      }
      const id = verbTarget(command, args);
      if (id !== undefined) {
        const label = verbLabel(command, args);
        const status = current.get(id);
        const where = status === undefined || status === 'null' ? 'absent' : status;
        let set = verbs.get(label);
        if (set === undefined) verbs.set(label, (set = new Set()));
        set.add(where);
      }
    } else if (msg['event'] === 'JOB_STATUS_CHANGE') {
      const data = record(msg['data']);
      if (typeof data['id'] === 'string' && typeof data['status'] === 'string') {
        current.set(data['id'], data['status']);
        statuses.add(data['status']);
      }
    } else if ('return' in msg || 'error' in msg) {
      pending.delete(msg['id']);
    }
  }
  return { jobTypes, statuses, verbs, unanswered: pending.size > 0 };
}
