/**
 * Hostile input for `qjob check`: real sessions of the corpora (wire traces) and of the log fixtures
 * (iotests logs), each broken by a few random edits: a field of any message given a value of the wrong
 * type (null, a number, a string, an array, an object nested up to 1,500 deep), a field dropped, a line
 * cut short, duplicated or swapped with the next, a junk line, a control character. The checker must
 * give a verdict, or refuse the input with a TraceInputError that names a line of the text and prints
 * no control character; anything else (a crash, a stack overflow, a TypeError) is a defect.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { checkLines } from '../../../conformance/index.ts';
import { TraceInputError } from '../../../traces/reader.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

function sessions(dir: string, ext: RegExp, limit: number): { readonly name: string; readonly lines: readonly string[] }[] {
  return fs
    .readdirSync(path.join(root, dir))
    .filter((f) => ext.test(f))
    .sort()
    .slice(0, limit)
    .map((f) => ({ name: `${dir}/${f}`, lines: fs.readFileSync(path.join(root, dir, f), 'utf8').split('\n').filter((l) => l.length > 0) }));
}

const WIRE = [...sessions('traces/qemu-7.2', /\.jsonl$/, 60), ...sessions('traces/qemu-10.0', /\.jsonl$/, 20)];
const LOGS = sessions('test/fixtures/traces/iotests', /\.out$/, 20);

function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.constant(true),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'aborting', 'concluded', 'null', 'undefined', 'j0', 'job0'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
  fc.integer({ min: 1, max: 1500 }).map(deep),
);

type Edit =
  | { readonly kind: 'set'; readonly at: number; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'drop'; readonly at: number; readonly pick: number }
  | { readonly kind: 'cut'; readonly at: number; readonly keep: number }
  | { readonly kind: 'dup' | 'swap' | 'delete'; readonly at: number }
  | { readonly kind: 'junk'; readonly at: number; readonly text: string };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), pick: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constantFrom('dup' as const, 'swap' as const, 'delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('junk' as const), at: fc.nat(), text: fc.constantFrom('', '{', '}', '[]', 'null', '{"dir": "recv"}', '{"dir": "send", "msg": 1}', '\u001b]0;title\u0007', '\u202e{}', '{"QMP": {}}', 'x'.repeat(300)) }),
);

/** Every object inside `v` with at least one key, and the keys, so that an edit can pick one. */
function objects(v: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof v === 'object' && v !== null) {
    if (!Array.isArray(v) && Object.keys(v).length > 0) out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) objects(x, out);
  }
  return out;
}

export function applyEdits(lines: readonly string[], edits: readonly Edit[]): string[] {
  const out = [...lines];
  for (const e of edits) {
    if (out.length === 0) break;
    const i = e.at % out.length;
    switch (e.kind) {
      case 'set':
      case 'drop': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(out[i]!);
        } catch {
          break;
        }
        const targets = objects(parsed);
        if (targets.length === 0) break;
        const obj = targets[e.pick % targets.length]!;
        const keys = Object.keys(obj);
        const key = keys[e.pick % keys.length]!;
        if (e.kind === 'set') obj[key] = e.value;
        else delete obj[key];
        out[i] = JSON.stringify(parsed);
        break;
      }
      case 'cut':
        out[i] = out[i]!.slice(0, e.keep % (out[i]!.length + 1));
        break;
      case 'dup':
        out.splice(i, 0, out[i]!);
        break;
      case 'swap':
        if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
        break;
      case 'delete':
        out.splice(i, 1);
        break;
      case 'junk':
        out.splice(i, 0, e.text);
        break;
    }
  }
  return out;
}

/** Runs the property `runs` times from `seed`; fast-check prints the seed and the shrunk case on failure. */
export async function fuzzCheck(runs: number, seed: number): Promise<void> {
  const input = fc.record({
    log: fc.boolean(),
    pick: fc.nat(),
    edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
    strict: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(input, async ({ log, pick, edits, strict }) => {
      const pool = log ? LOGS : WIRE;
      const session = pool[pick % pool.length]!;
      const lines = applyEdits(session.lines, edits);
      try {
        const r = await checkLines(lines, { file: session.name, style: log ? 'log' : 'wire', strict });
        expect(typeof r.ok).toBe('boolean');
        for (const v of r.violations) {
          expect(v.line).toBeGreaterThanOrEqual(0);
          expect(v.line).toBeLessThanOrEqual(lines.length);
        }
      } catch (err) {
        expect(err, String(err instanceof Error ? err.stack : err)).toBeInstanceOf(TraceInputError);
        const e = err as TraceInputError;
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines.length);
        // eslint-disable-next-line no-control-regex
        expect(e.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
      }
    }),
    { seed, numRuns: runs, includeErrorInReport: true },
  );
}

export const CORPUS_SIZES = { wire: WIRE.length, logs: LOGS.length };
