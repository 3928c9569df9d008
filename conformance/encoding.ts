/**
 * Compact encodings for the checker's hot path: a status is its index in QAPI enum order, the
 * command-relevant flags of a job (machines/context.ts) are bits, and a (status, flags) pair is one
 * small integer, so candidate sets are short arrays of numbers.
 */
import { COMPLETED_STATUSES, JobStatus, sttAllows, type JobContext } from '../machines/index.ts';

export const U = 0;
export const C = 1;
export const R = 2;
export const P = 3;
export const Y = 4;
export const S = 5;
export const W = 6;
export const D = 7;
export const X = 8;
export const E = 9;
export const N = 10;

const INDEX = new Map<string, number>(JobStatus.map((s, i) => [s, i]));

/** The index of a JobStatus string, or -1. */
export function statusIndex(s: unknown): number {
  return typeof s === 'string' ? (INDEX.get(s) ?? -1) : -1;
}

export function statusName(i: number): JobStatus {
  return JobStatus[i] ?? 'undefined';
}

/** How many statuses there are: indexes run from 0 (`undefined`) to STATUS_COUNT - 1. */
export const STATUS_COUNT = JobStatus.length;
const COUNT = STATUS_COUNT;
const STT: boolean[] = [];
for (let f = 0; f < COUNT; f++) for (let t = 0; t < COUNT; t++) STT.push(sttAllows(statusName(f), statusName(t)));

/** JobSTT as a flat lookup (identical in every release). */
export function sttEdge(from: number, to: number): boolean {
  return STT[from * COUNT + to] === true;
}

/** The statuses JobSTT allows after `from`, for messages. */
export function sttNext(from: number): JobStatus[] {
  const out: JobStatus[] = [];
  for (let t = 0; t < COUNT; t++) if (t !== from && sttEdge(from, t)) out.push(statusName(t));
  return out;
}

const COMPLETED: boolean[] = JobStatus.map((s) => COMPLETED_STATUSES.has(s));
/** waiting, pending, aborting, concluded, null: the job's run() has returned. */
export function isCompletedStatus(i: number): boolean {
  return COMPLETED[i] === true;
}

/** The job exists in QEMU's job list (created .. concluded). */
export function isAlive(i: number): boolean {
  return i !== U && i !== N;
}

// Flag bits: the parts of JobContext a verb's reply or an internal step depends on.
/** user_paused (job-pause, BLOCK_JOB_ERROR action stop) */
export const UP = 1;
/** a cancel was requested */
export const CX = 2;
/** force_cancel */
export const FC = 4;
/** complete accepted, or a soft cancel in ready */
export const CP = 8;
/** mirror copy mode write-blocking */
export const WB = 16;
const FLAG_BITS = 5;
const FLAG_MASK = (1 << FLAG_BITS) - 1;

export function packKey(status: number, bits: number): number {
  return (status << FLAG_BITS) | bits;
}
export function keyStatus(key: number): number {
  return key >> FLAG_BITS;
}
export function keyBits(key: number): number {
  return key & FLAG_MASK;
}

export function bitsOf(ctx: JobContext): number {
  return (
    (ctx.userPaused ? UP : 0) |
    (ctx.cancelled ? CX : 0) |
    (ctx.force ? FC : 0) |
    (ctx.completing ? CP : 0) |
    (ctx.copyMode === 'write-blocking' ? WB : 0)
  );
}

/** A model JobContext: the job's type facts from `template`, status and flags from `key`. */
export function contextFor(template: JobContext, key: number, started: boolean, everReady: boolean): JobContext {
  const bits = keyBits(key);
  return {
    ...template,
    status: statusName(keyStatus(key)),
    started,
    everReady,
    userPaused: (bits & UP) !== 0,
    cancelled: (bits & CX) !== 0,
    force: (bits & FC) !== 0,
    completing: (bits & CP) !== 0,
    copyMode: template.copyMode === null ? null : (bits & WB) !== 0 ? 'write-blocking' : 'background',
  };
}

/** Adds `value` to a small set kept as an array. */
export function addUnique(list: number[], value: number): void {
  if (!list.includes(value)) list.push(value);
}
