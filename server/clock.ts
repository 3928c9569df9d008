/**
 * The server's sense of time. Jobs progress on it (a speed is bytes per second of this clock) and
 * events are stamped with its wall time. `systemClock` is real time; `FakeClock` only moves when told,
 * so tests and the verify planner run the server deterministically and instantly.
 */
import { performance } from 'node:perf_hooks';

export interface QmpTimestamp {
  readonly seconds: number;
  readonly microseconds: number;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** The wall time of `now()`, as QMP event timestamps carry it. */
  wall(): QmpTimestamp;
}

function stamp(epochMicros: number): QmpTimestamp {
  const whole = Math.floor(epochMicros);
  return { seconds: Math.floor(whole / 1e6), microseconds: whole % 1e6 };
}

const origin = Date.now() * 1000 - performance.now() * 1000;

/** Real time: performance.now() anchored to the epoch once, so timestamps never go backwards. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => stamp(origin + performance.now() * 1000),
};

/** A clock that moves only by `advance` / `set`. */
export class FakeClock implements Clock {
  private ms: number;
  constructor(
    start = 0,
    /** Wall time at `start`, in epoch milliseconds. */
    private readonly epochMs = 1_700_000_000_000,
  ) {
    this.ms = start;
  }
  now(): number {
    return this.ms;
  }
  wall(): QmpTimestamp {
    return stamp((this.epochMs + this.ms) * 1000);
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance(${ms}): time only moves forward`);
    this.ms += ms;
  }
  set(ms: number): void {
    if (ms < this.ms) throw new RangeError(`FakeClock.set(${ms}): time only moves forward (now ${this.ms})`);
    this.ms = ms;
  }
}
