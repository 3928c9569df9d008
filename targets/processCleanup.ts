/**
 * Last-resort cleanup of what targets start: daemons and their folders must not outlive qjob.
 * Handlers are installed once, on first use. On SIGINT, SIGTERM or SIGHUP every registered resource is
 * stopped (gracefully, with the usual SIGKILL fallback) and then, if no one else listens for the signal,
 * it is raised again so qjob dies of it as it would have. On `exit` (no time left for anything
 * asynchronous) daemons are SIGKILLed and folders removed synchronously.
 * A `kill -9` of qjob itself cannot be caught; its daemons are then left running.
 */

export interface Cleanup {
  /** Synchronous, for process exit: SIGKILL, remove files. */
  killNow(): void;
  /** The normal stop, for signals. */
  stop(): Promise<void>;
}

const live = new Set<Cleanup>();
let installed = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Registers a resource; call the returned function once it has been cleaned up normally. */
export function registerCleanup(cleanup: Cleanup): () => void {
  install();
  live.add(cleanup);
  return () => live.delete(cleanup);
}

/** How many resources are registered now (for tests). */
export function liveCleanups(): number {
  return live.size;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const cleanup of live) {
      try {
        cleanup.killNow();
      } catch {
        // Nothing more can be done while exiting.
      }
    }
    live.clear();
  });
  for (const signal of SIGNALS) {
    const handler = (): void => {
      void Promise.allSettled([...live].map((cleanup) => cleanup.stop())).then(() => {
        if (process.listenerCount(signal) === 1) {
          process.removeListener(signal, handler);
          process.kill(process.pid, signal);
        }
      });
    };
    process.on(signal, handler);
  }
}
