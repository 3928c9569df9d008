/** A short fuzz run (seconds) of the model server and the recorder; the long one is fuzz.deep.test.ts. */
import { registerFuzz } from './support/fuzzRuns.ts';

registerFuzz({ sessions: 150, arguments: 300, rounds: 2, clients: 100, recordings: 8, maxString: 4096, maxDepth: 6000, heapBudget: 200 * 1024 * 1024 }, 60_000);
