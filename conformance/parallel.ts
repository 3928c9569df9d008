/**
 * Checks many trace files on several threads (`qjob check --jobs N`): the calling thread and up to
 * N - 1 worker threads (node:worker_threads) take the files one at a time from a shared queue, and the
 * outcomes come back in the order of the files, so the report is the same whatever N is. Each file is
 * checked as checkFiles checks it; a file's verdict depends on that file alone. The workers start
 * once the calling thread has been at it for a moment and much is left: a small input is done before a
 * thread would have started, and starts none.
 *
 * The worker threads run this module. From the TypeScript sources (through tsx, or under vitest) a
 * worker first registers tsx, whose hooks a new thread does not inherit; from the bundle built by
 * scripts/build.mjs it starts from dist/check-worker.mjs, which that script builds beside dist/qjob.mjs.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { TraceInputError } from '../traces/traceInputError.ts';
import { checkFiles, type FileCheckOptions } from './api.ts';
import type { CheckResult } from './result.ts';

/** What a worker can be given: everything of FileCheckOptions but a coverage collector, which lives in one thread. */
export type ParallelCheckOptions = Omit<FileCheckOptions, 'coverage'>;

interface Unusable {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** One file's outcome, as it crosses between threads (a TraceInputError is sent as its fields). */
type Outcome = { readonly results: CheckResult[]; readonly errors: Unusable[] } | { readonly crash: string };

type ToWorker = { readonly index: number; readonly file: string };
type FromWorker = { readonly ready: true } | { readonly index: number; readonly outcome: Outcome };

interface WorkerSetup {
  readonly qjobCheckWorker: true;
  readonly options: ParallelCheckOptions;
}

async function checkOne(file: string, options: ParallelCheckOptions): Promise<Outcome> {
  try {
    const { results, errors } = await checkFiles([file], options);
    return { results, errors: errors.map((e) => ({ file: e.file, line: e.line, reason: e.reason })) };
  } catch (error) {
    return { crash: error instanceof Error ? error.message : String(error) };
  }
}

/** The module a worker thread starts from. */
function workerUrl(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./check-worker.mjs', self);
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(self)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

export interface ThreadOptions {
  /** Threads that check, this one included when it checks: at most one per file. */
  readonly jobs: number;
  /** Whether this thread checks files too (default true). */
  readonly callerChecks?: boolean;
  /**
   * When this thread checks: the workers start once it has checked for this long (default 100 ms) and
   * the files left would take it, at its pace so far, at least `worthMs` (default 500 ms: a worker
   * takes some 0.2 to 0.5 s of CPU to load the checker). An input checked sooner starts no thread.
   */
  readonly startAfterMs?: number;
  readonly worthMs?: number;
  /** Called as each file is done, with the number done and the number of files (a progress line). */
  readonly onFile?: (done: number, total: number) => void;
}

/**
 * Checks `files` on `threads.jobs` threads at most. Results and unusable inputs come in the order of
 * `files`, as checkFiles gives them; `checkedBy` counts the files each thread checked, this one first.
 */
export async function checkFilesInParallel(
  files: readonly string[],
  options: ParallelCheckOptions,
  threads: ThreadOptions,
): Promise<{ results: CheckResult[]; errors: TraceInputError[]; checkedBy: number[] }> {
  const { jobs, callerChecks = true, startAfterMs = 100, worthMs = 500 } = threads;
  const outcomes: Outcome[] = new Array<Outcome>(files.length);
  const checkedBy = [0];
  const workers: Worker[] = [];
  let started = false;
  let next = 0;
  let left = files.length;
  let failed = false;
  let settle: ((error?: Error) => void) | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (error === undefined) return resolve();
      failed = true;
      reject(error);
    };
  });
  if (left === 0) settle?.();
  const done = (index: number, outcome: Outcome): void => {
    outcomes[index] = outcome;
    threads.onFile?.(files.length - left + 1, files.length);
    if ('crash' in outcome) settle?.(new Error(`${files[index]}: ${outcome.crash}`));
    else if (--left === 0) settle?.();
  };
  const feed = (worker: Worker): void => {
    if (next >= files.length || failed) return;
    const index = next++;
    worker.postMessage({ index, file: files[index]! } satisfies ToWorker);
  };
  const startWorkers = (): void => {
    started = true;
    const count = Math.min(callerChecks ? jobs - 1 : Math.max(1, jobs), files.length - next);
    for (let w = 0; w < count; w++) {
      const t = checkedBy.push(0) - 1;
      const worker = new Worker(workerUrl(), { workerData: { qjobCheckWorker: true, options } satisfies WorkerSetup });
      workers.push(worker);
      worker.on('message', (m: FromWorker) => {
        if ('index' in m) {
          checkedBy[t]!++;
          done(m.index, m.outcome);
        }
        feed(worker);
      });
      worker.on('error', (error) => settle?.(new Error(`a worker thread of --jobs failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (left > 0) settle?.(new Error(`a worker thread of --jobs stopped (exit code ${code}) before the files were checked`));
      });
    }
  };

  if (!callerChecks) startWorkers();
  const here = (async () => {
    const since = performance.now();
    while (callerChecks && next < files.length && !failed) {
      const spent = performance.now() - since;
      if (!started && spent >= startAfterMs && (spent / checkedBy[0]!) * (files.length - next) >= worthMs) startWorkers();
      const index = next++;
      checkedBy[0]!++;
      done(index, await checkOne(files[index]!, options));
    }
  })();
  try {
    await Promise.all([finished, here]);
  } finally {
    settle = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const results: CheckResult[] = [];
  const errors: TraceInputError[] = [];
  for (const outcome of outcomes) {
    if ('crash' in outcome) continue;
    results.push(...outcome.results);
    for (const e of outcome.errors) errors.push(new TraceInputError(e.file, e.line, e.reason));
  }
  return { results, errors, checkedBy };
}

function serve(port: MessagePort, options: ParallelCheckOptions): void {
  port.on('message', (m: ToWorker) => {
    void checkOne(m.file, options).then((outcome) => port.postMessage({ index: m.index, outcome } satisfies FromWorker));
  });
  port.postMessage({ ready: true } satisfies FromWorker);
}

const setup = workerData as Partial<WorkerSetup> | null | undefined;
if (!isMainThread && parentPort !== null && setup?.qjobCheckWorker === true && setup.options !== undefined) serve(parentPort, setup.options);
