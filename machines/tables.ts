/**
 * QEMU's two boolean tables, transcribed from job.c (blockjob.c in 2.12):
 *  - JobSTT[from][to]: the legal status transitions. Identical from 2.12 to the newest release.
 *  - JobVerbTable[verb][status]: the statuses in which a verb is accepted. It changed twice:
 *    6.0 allowed `complete` in standby ("job: Allow complete for jobs on standby"), and
 *    8.2 added the `change` row, copied from `set-speed` ("block-job-change").
 * Rows and columns are in QAPI enum order, as in the C source.
 */
import { JobStatus, JobVerb } from './qapi.ts';

type Row = readonly [0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1];

/* Columns:                              U  C  R  P  Y  S  W  D  X  E  N */
const STT: Readonly<Record<JobStatus, Row>> = {
  undefined: /*                       */ [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  created: /*                         */ [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1],
  running: /*                         */ [0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0],
  paused: /*                          */ [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  ready: /*                           */ [0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0],
  standby: /*                         */ [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
  waiting: /*                         */ [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0],
  pending: /*                         */ [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0],
  aborting: /*                        */ [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0],
  concluded: /*                       */ [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  null: /*                            */ [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
};

/* Columns:                              U  C  R  P  Y  S  W  D  X  E  N */
const VERBS_2_12: Readonly<Record<Exclude<JobVerb, 'change'>, Row>> = {
  cancel: /*                          */ [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
  pause: /*                           */ [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  resume: /*                          */ [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  'set-speed': /*                     */ [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  complete: /*                        */ [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
  finalize: /*                        */ [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
  dismiss: /*                         */ [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
};

/* 6.0: complete accepted in standby too. */
const VERBS_6_0 = { ...VERBS_2_12, complete: [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] as Row };

/* 8.2: the change row, copied from set-speed. */
const VERBS_8_2 = { ...VERBS_6_0, change: [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0] as Row };

/** A transition table as lists: every status is a key, each maps to the statuses it may move to. */
export type TransitionTable = Readonly<Record<JobStatus, readonly JobStatus[]>>;
/** A verb table as lists: each verb of the release maps to the statuses that accept it. */
export type VerbTable = Readonly<Partial<Record<JobVerb, readonly JobStatus[]>>>;

function columns(row: Row): JobStatus[] {
  return JobStatus.filter((_, i) => row[i] === 1);
}

function toLists<K extends string>(rows: Readonly<Record<K, Row>>, order: readonly K[]): Record<K, JobStatus[]> {
  const out = {} as Record<K, JobStatus[]>;
  for (const key of order) if (key in rows) out[key] = columns(rows[key]);
  return out;
}

export const JobSTT: TransitionTable = toLists(STT, JobStatus);

/** The verb tables, keyed by the release that introduced each one. */
export const JobVerbTables: readonly { readonly since: string; readonly table: VerbTable }[] = [
  { since: '2.12', table: toLists(VERBS_2_12, JobVerb.filter((v) => v !== 'change')) },
  { since: '6.0', table: toLists(VERBS_6_0, JobVerb.filter((v) => v !== 'change')) },
  { since: '8.2', table: toLists(VERBS_8_2, JobVerb) },
];

export function sttAllows(from: JobStatus, to: JobStatus): boolean {
  return JobSTT[from].includes(to);
}
