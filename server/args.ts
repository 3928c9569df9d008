/**
 * Command arguments checked as QEMU's QAPI input visitor checks them (qapi/qobject-input-visitor.c):
 * members in schema order (a missing one: "Parameter 'x' is missing"; a wrong JSON type: "Invalid
 * parameter type for 'x', expected: integer"; an enum value it lacks: "Parameter 'x' does not accept
 * value 'y'"), then members the schema does not have ("Parameter 'x' is unexpected").
 *
 * Numbers follow QAPI's integer types as QEMU 7.2 and 10.0 answer them (recorded live):
 * - `int` (int64): an int64 JSON integer only; a float (even 1.0 or 1e308), or an integer beyond int64
 *   (a QNum from the parser), is "Invalid parameter type for 'x', expected: integer";
 * - `uint64` / `size`: any int64 or uint64 integer (negative int64 too: QEMU keeps that for
 *   compatibility), else "Parameter 'x' expects uint64" / "... expects size";
 * - `uint32`: read as a uint64, then "Parameter 'x' expects uint32_t" when out of range.
 */
import type { QmpError } from '../machines/index.ts';
import { isQDict, QNum } from './qmpJson.ts';

export type ArgType =
  | 'str'
  | 'int'
  | 'uint64'
  | 'uint32'
  | 'size'
  | 'bool'
  | 'object'
  | 'array'
  | 'any'
  | { readonly enum: readonly string[] }
  /** A struct: its members checked in turn, named `outer.inner` in errors. */
  | { readonly object: ArgSchema };

export interface ArgSpec {
  readonly type: ArgType;
  readonly required?: boolean;
}

export type ArgSchema = Readonly<Record<string, ArgSpec>>;
export type Args = Readonly<Record<string, unknown>>;

const generic = (desc: string): QmpError => ({ class: 'GenericError', desc });

const TYPE_NAMES: Record<'str' | 'int' | 'bool' | 'object' | 'array', string> = {
  str: 'string',
  int: 'integer',
  bool: 'boolean',
  object: 'object',
  array: 'array',
};

const isObject = isQDict;

/** An integer QEMU reads as a uint64 (after its int64 fallback): its value, or undefined. */
function asUint64(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value < 0 ? 2 ** 64 + value : value;
  if (value instanceof QNum && value.kind === 'u64') return value.value;
  return undefined;
}

function typeError(spec: ArgType, value: unknown, name: string): QmpError | undefined {
  if (spec === 'any') return undefined;
  if (spec === 'uint64' || spec === 'size') return asUint64(value) === undefined ? generic(`Parameter '${name}' expects ${spec}`) : undefined;
  if (spec === 'uint32') {
    const v = asUint64(value);
    if (v === undefined) return generic(`Parameter '${name}' expects uint64`);
    return v > 0xffffffff ? generic(`Parameter '${name}' expects uint32_t`) : undefined;
  }
  if (typeof spec === 'object' && 'object' in spec) return isObject(value) ? checkArgs(spec.object, value, name) : generic(`Invalid parameter type for '${name}', expected: object`);
  if (typeof spec === 'object') {
    if (typeof value !== 'string') return generic(`Invalid parameter type for '${name}', expected: string`);
    return spec.enum.includes(value) ? undefined : generic(`Parameter '${name}' does not accept value '${value}'`);
  }
  const ok =
    spec === 'str'
      ? typeof value === 'string'
      : spec === 'int'
        ? typeof value === 'number' && Number.isInteger(value)
        : spec === 'bool'
          ? typeof value === 'boolean'
          : spec === 'object'
            ? isObject(value)
            : Array.isArray(value);
  return ok ? undefined : generic(`Invalid parameter type for '${name}', expected: ${TYPE_NAMES[spec]}`);
}

/** Checks `args` against `schema`; `prefix` names nested members ("options.size"). Returns the first error. */
export function checkArgs(schema: ArgSchema, args: unknown, prefix = ''): QmpError | undefined {
  const given = args === undefined ? {} : args;
  if (!isObject(given)) return generic(`Invalid parameter type for '${prefix || 'arguments'}', expected: object`);
  for (const [name, spec] of Object.entries(schema)) {
    const full = prefix ? `${prefix}.${name}` : name;
    if (!(name in given)) {
      if (spec.required === true) return generic(`Parameter '${full}' is missing`);
      continue;
    }
    const err = typeError(spec.type, given[name], full);
    if (err) return err;
  }
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(schema, name)) return generic(`Parameter '${prefix ? `${prefix}.${name}` : name}' is unexpected`);
  }
  return undefined;
}

export function asArgs(value: unknown): Args {
  return isObject(value) ? value : {};
}

export function str(args: Args, name: string): string | undefined {
  const v = args[name];
  return typeof v === 'string' ? v : undefined;
}

export function int(args: Args, name: string): number | undefined {
  const v = args[name];
  return typeof v === 'number' ? v : undefined;
}

export function bool(args: Args, name: string): boolean | undefined {
  const v = args[name];
  return typeof v === 'boolean' ? v : undefined;
}

