/** The long fuzz run of the model server and the recorder (deep suite): 36,000 hostile streams, 70,000 wrongly typed commands, 3,000 clients, 200 recorded sessions. */
import { registerFuzz } from './support/fuzzRuns.ts';

registerFuzz({ sessions: 12_000, arguments: 35_000, rounds: 10, clients: 300, recordings: 200, maxString: 64 * 1024, maxDepth: 3000, heapBudget: 400 * 1024 * 1024 }, 1_800_000);
