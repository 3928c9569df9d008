/**
 * Runs a verify scenario's steps on a connected client. Like the corpus driver (traces/corpus.ts), but a
 * wait is per job: it looks for a matching event after the last command was sent and after the event
 * the previous wait *for the same job* matched. Jobs then need not report in the order the model
 * listed them (10.0 starts a transaction's jobs newest first), while each job's own events are still
 * matched in order. The replies are kept by step, for the runner to compare.
 */
import { matchesEvent, QmpTimeoutError, type QmpConnection, type QmpEvent, type QmpResult } from '../qmp/index.ts';
import { isCommandStep, isWaitStep, type ScenarioStep } from '../traces/scenario.ts';

export type DriveResult =
  | { readonly outcome: 'done' }
  /** A command got no reply in time, or a wait saw no matching event. */
  | { readonly outcome: 'hung' | 'failed'; readonly step: number; readonly detail: string };

export interface Driven {
  readonly result: DriveResult;
  /** Step index → the command's reply. */
  readonly replies: ReadonlyMap<number, QmpResult>;
}

function jobOf(data: Readonly<Record<string, unknown>> | undefined): string {
  const id = data?.['id'] ?? data?.['device'];
  return typeof id === 'string' ? id : '';
}

export async function driveVerifySteps(client: QmpConnection, steps: readonly ScenarioStep[], replyTimeoutMs = 5000): Promise<Driven> {
  const events: QmpEvent[] = [];
  const replies = new Map<number, QmpResult>();
  let wake: (() => void) | undefined;
  const unsubscribe = client.onEvent((e) => {
    events.push(e);
    wake?.();
  });
  let sentAt = 0;
  const matched = new Map<string, number>();
  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (isCommandStep(step)) {
        sentAt = events.length;
        matched.clear();
        try {
          replies.set(i, await client.execute(step.cmd, step.args === undefined ? undefined : { ...step.args }, { timeoutMs: replyTimeoutMs }));
        } catch (error) {
          const detail = (error as Error).message;
          return { result: { outcome: error instanceof QmpTimeoutError ? 'hung' : 'failed', step: i, detail }, replies };
        }
      } else if (isWaitStep(step)) {
        const key = jobOf(step.data);
        const from = Math.max(sentAt, (matched.get(key) ?? -1) + 1);
        const pattern = step.data === undefined ? { event: step.wait } : { event: step.wait, data: { ...step.data } };
        const timeoutMs = (step.timeout ?? 10) * 1000;
        const deadline = Date.now() + timeoutMs;
        let found = -1;
        for (;;) {
          found = events.findIndex((e, k) => k >= from && matchesEvent(e, pattern));
          if (found >= 0 || client.closed) break;
          const left = deadline - Date.now();
          if (left <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (found < 0) {
          const what = `${step.wait}${step.data === undefined ? '' : ' ' + JSON.stringify(step.data)}`;
          const detail = client.closed ? `the connection closed while waiting for ${what}` : `no ${what} within ${timeoutMs} ms`;
          return { result: { outcome: 'failed', step: i, detail }, replies };
        }
        matched.set(key, found);
      } else {
        await new Promise((resolve) => setTimeout(resolve, step.sleep * 1000));
      }
    }
    return { result: { outcome: 'done' }, replies };
  } finally {
    unsubscribe();
  }
}
