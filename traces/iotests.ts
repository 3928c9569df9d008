/**
 * QEMU iotests-style logs (`tests/qemu-iotests/*.out`): one QMP object per line with no direction,
 * mixed with free text. Python tests sort keys and replace timestamps by `"SECS"` / `"USECS"` and
 * numbers by `"FILTERED"` (valid JSON, kept as is); bash tests write the bare token `TIMESTAMP`,
 * which is not JSON and is read as 0. Lines that are not a QMP object are ignored.
 */
import type { Direction, QmpMessage, TraceLine } from './format.ts';

/** The direction a QMP object travelled, from its keys; undefined when it is not a QMP message. */
export function directionOf(msg: QmpMessage): Direction | undefined {
  if ('execute' in msg || 'exec-oob' in msg) return 'send';
  if ('event' in msg || 'return' in msg || 'error' in msg || 'QMP' in msg) return 'recv';
  return undefined;
}

const BARE_TIMESTAMP = /(?<=[:\s,[])TIMESTAMP(?=\s*[,}\]])/g;

function parseObject(text: string): QmpMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (!text.includes('TIMESTAMP')) return undefined;
    try {
      value = JSON.parse(text.replace(BARE_TIMESTAMP, '0'));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as QmpMessage) : undefined;
}

/** One log line as a trace line (`t` is 0: logs carry no arrival times), or undefined to skip it. */
export function iotestsLine(text: string): TraceLine | undefined {
  const s = text.trim();
  if (s.length < 2 || s.charCodeAt(0) !== 0x7b /* { */) return undefined;
  const msg = parseObject(s);
  if (!msg) return undefined;
  const dir = directionOf(msg);
  return dir ? { dir, t: 0, msg } : undefined;
}
