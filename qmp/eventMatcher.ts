/**
 * What an event wait looks for: a predicate, or a pattern that a QMP event must contain
 * (`{event: 'JOB_STATUS_CHANGE', data: {id: 'j0', status: 'running'}}`). A pattern also gives time-out
 * messages something readable to print.
 */
import { isObject, type QmpEvent } from './message.ts';

export interface EventPattern {
  readonly event: string;
  /** Members the event's `data` must have, compared deeply; other members are ignored. */
  readonly data?: Record<string, unknown>;
}

export type EventMatcher = EventPattern | ((event: QmpEvent) => boolean);

export function matchesEvent(event: QmpEvent, matcher: EventMatcher): boolean {
  if (typeof matcher === 'function') return matcher(event);
  if (event.event !== matcher.event) return false;
  return matcher.data === undefined || contains(event.data, matcher.data);
}

export function describeMatcher(matcher: EventMatcher): string {
  if (typeof matcher === 'function') return 'an event matching the predicate';
  return matcher.data === undefined ? `event ${matcher.event}` : `event ${matcher.event} ${JSON.stringify(matcher.data)}`;
}

/** Deep partial match: every member of `pattern` is in `value` with an equal (or, for objects, contained) value. */
function contains(value: unknown, pattern: unknown): boolean {
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    return Object.entries(pattern).every(([key, sub]) => key in value && contains(value[key], sub));
  }
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((sub, i) => contains(value[i], sub));
  }
  return Object.is(value, pattern);
}
