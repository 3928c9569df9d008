/**
 * The trace mutation operators: each turns a recorded session into broken copies with one change no
 * QEMU could make. The checker must reject every copy (`qjob check-mutants`, docs/mutants.md).
 */
import type { TraceOperator } from './mutant.ts';
import { creationOperators } from './operators/creation.ts';
import { fieldOperators } from './operators/fields.ts';
import { eventOperators } from './operators/events.ts';
import { queryOperators } from './operators/queries.ts';
import { replyOperators } from './operators/replies.ts';
import { statusOperators } from './operators/status.ts';
import { txnOperators } from './operators/txn.ts';

export const TRACE_OPERATORS: readonly TraceOperator[] = [...statusOperators, ...replyOperators, ...queryOperators, ...fieldOperators, ...eventOperators, ...txnOperators, ...creationOperators];

export function findOperator(name: string): TraceOperator | undefined {
  return TRACE_OPERATORS.find((o) => o.name === name);
}
