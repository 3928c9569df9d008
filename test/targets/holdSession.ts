/**
 * Child-process helper for the cleanup tests: opens a qemu-target session on the binary given, prints
 * `{"pid": ..., "folder": ...}` on stdout, then either exits at once without closing (`exit`) or waits
 * to be signalled (`wait`).
 *   node bin/run.js test/targets/holdSession.ts <binary> exit|wait
 */
import { qemuTarget } from '../../targets/index.ts';

const [binary, mode] = process.argv.slice(2);
const session = await qemuTarget({ binary, graceMs: 500 }).open();
process.stdout.write(JSON.stringify({ pid: session.pid, folder: session.folder }) + '\n');
if (mode === 'exit') process.exit(0);
setInterval(() => {}, 1000);
