/** One entry point for both engines. */
import { exploreCompiled } from './compiled.ts';
import type { ExploreOptions, ExploreResult } from './result.ts';
import { exploreXstate } from './xstateEngine.ts';

export type Engine = 'compiled' | 'xstate';
export const ENGINES: readonly Engine[] = ['compiled', 'xstate'];

export function explore(engine: Engine, options: ExploreOptions): ExploreResult {
  return engine === 'xstate' ? exploreXstate(options) : exploreCompiled(options);
}
