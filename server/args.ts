/**
 * Command arguments checked as QEMU's QAPI input visitor checks them (qapi/qobject-input-visitor.c):
 * members in schema order (a missing one: "Parameter 'x' is missing"; a wrong JSON type: "Invalid
 * parameter type for 'x', expected: integer"; an enum value it lacks: "Parameter 'x' does not accept
 * value 'y'"), then members the schema does not have ("Parameter 'x' is unexpected").
 */
import type { QmpError } from '../machines/index.ts';

export type ArgType = 'str' | 'int' | 'bool' | 'object' | 'array' | 'any' | { readonly enum: readonly string[] };

export interface ArgSpec {
  readonly type: ArgType;
  readonly required?: boolean;
}

export type ArgSchema = Readonly<Record<string, ArgSpec>>;
export type Args = Readonly<Record<string, unknown>>;

const generic = (desc: string): QmpError => ({ class: 'GenericError', desc });

const TYPE_NAMES: Record<Exclude<ArgType, { enum: readonly string[] }>, string> = {
  str: 'string',
  int: 'integer',
  bool: 'boolean',
  object: 'object',
  array: 'array',
  any: 'any',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeError(spec: ArgType, value: unknown, name: string): QmpError | undefined {
  if (spec === 'any') return undefined;
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

export const ON_ERROR = { enum: ['report', 'ignore', 'enospc', 'stop', 'auto'] } as const;
export const SYNC_MODES = { enum: ['top', 'full', 'none', 'incremental', 'bitmap'] } as const;
export const COPY_MODES = { enum: ['background', 'write-blocking'] } as const;
