/**
 * A buffered stream of QMP events: every event from the moment it is created, in arrival order, none
 * lost. Read it with `for await` or step through it with `next(matcher, timeoutMs)`, which skips events
 * up to the first match. It ends when the connection closes (or `return()` is called); it throws if the
 * connection failed.
 */
import { describeMatcher, matchesEvent, type EventMatcher } from './eventMatcher.ts';
import { QmpTimeoutError, type QmpError } from './errors.ts';
import type { QmpEvent } from './message.ts';

interface Waiter {
  readonly matcher: EventMatcher | undefined;
  readonly resolve: (result: IteratorResult<QmpEvent, undefined>) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

export class EventStream implements AsyncIterableIterator<QmpEvent, undefined> {
  private readonly queue: QmpEvent[] = [];
  private waiter: Waiter | undefined;
  private ended = false;
  private failure: QmpError | undefined;

  /**
   * @param address the connection's address, for time-out messages.
   * @param unsubscribe called once when the stream ends.
   */
  constructor(
    private readonly address: string,
    private readonly unsubscribe: () => void = () => {},
  ) {}

  /** For the event source: a new event arrived. */
  push(event: QmpEvent): void {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter !== undefined && (waiter.matcher === undefined || matchesEvent(event, waiter.matcher))) {
      this.settle();
      waiter.resolve({ value: event, done: false });
      return;
    }
    // An event skipped by a matching wait is consumed, as it would have been by a loop of next() calls.
    if (waiter === undefined) this.queue.push(event);
  }

  /** For the event source: no more events; with an error when the connection failed. */
  end(failure?: QmpError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.unsubscribe();
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.settle();
    if (failure !== undefined) waiter.reject(failure);
    else waiter.resolve({ value: undefined, done: true });
  }

  /**
   * The next event, or with a matcher the next matching one (events before it are consumed).
   * Rejects with QmpTimeoutError after `timeoutMs`, or with the connection's error if it failed.
   */
  next(matcher?: EventMatcher, timeoutMs?: number): Promise<IteratorResult<QmpEvent, undefined>> {
    if (this.waiter !== undefined) return Promise.reject(new Error('EventStream: next() called while another next() is waiting'));
    while (this.queue.length > 0) {
      const event = this.queue.shift() as QmpEvent;
      if (matcher === undefined || matchesEvent(event, matcher)) return Promise.resolve({ value: event, done: false });
    }
    if (this.ended) {
      return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiter = undefined;
              reject(new QmpTimeoutError(this.address, matcher === undefined ? 'an event' : describeMatcher(matcher), timeoutMs));
            }, timeoutMs);
      this.waiter = { matcher, resolve, reject, timer };
    });
  }

  /** The next matching event; throws QmpTimeoutError, or a QmpDisconnectedError-like error if the stream ended first. */
  async waitFor(matcher: EventMatcher, timeoutMs: number): Promise<QmpEvent> {
    const result = await this.next(matcher, timeoutMs);
    if (result.done) throw new Error(`event stream of ${this.address} ended before ${describeMatcher(matcher)}`);
    return result.value;
  }

  /** Events received and not yet read. */
  get buffered(): readonly QmpEvent[] {
    return this.queue;
  }

  /** Stops the stream (a `break` in `for await` calls this). */
  return(): Promise<IteratorResult<QmpEvent, undefined>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(): void {
    if (this.waiter?.timer !== undefined) clearTimeout(this.waiter.timer);
    this.waiter = undefined;
  }
}
