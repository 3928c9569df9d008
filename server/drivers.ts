/**
 * What the model server's job drivers do beside the job semantics of machines/: how a job of each type
 * runs on the server's clock. Data keyed by job type, so the engine never branches on a type's name.
 * From QEMU 7.2 observations on null-co nodes (docs: qemu-7.2-observed.md).
 */
import type { JobType } from '../machines/index.ts';

export interface DriverFacts {
  /**
   * Created by a transaction action (blockdev-backup is a one-action transaction): the command drains
   * every node, so this job and every running backup show `paused` → `running` inside the command.
   */
  readonly drainsOnCreate: boolean;
  /** At unlimited speed the whole run happens inside the creating command (null-co I/O is synchronous). */
  readonly finishesInline: boolean;
  /** Progress counts 0/1 (create, amend, snapshot) instead of the source's bytes. */
  readonly unitProgress: boolean;
  /** Writes to its target node, so a failing target (blkdebug) fails it. */
  readonly writesTarget: boolean;
  /**
   * Its whole run is one bottom half of the main loop (the snapshot jobs, migration/savevm.c): it runs
   * after the creating command's reply, and before QEMU reads the next command, even one already sent.
   */
  readonly bottomHalf: boolean;
}

const block: DriverFacts = { drainsOnCreate: false, finishesInline: false, unitProgress: false, writesTarget: true, bottomHalf: false };
const plain: DriverFacts = { drainsOnCreate: false, finishesInline: false, unitProgress: true, writesTarget: false, bottomHalf: false };

export const Drivers: Readonly<Record<JobType, DriverFacts>> = {
  backup: { ...block, drainsOnCreate: true, finishesInline: true },
  mirror: block,
  commit: block,
  stream: block,
  create: plain,
  amend: plain,
  'snapshot-load': { ...plain, bottomHalf: true },
  'snapshot-save': { ...plain, bottomHalf: true },
  'snapshot-delete': { ...plain, bottomHalf: true },
};
