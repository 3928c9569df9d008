/** Runs the qjob command in-process, capturing what it writes; the exit code is what `main` returns. */
import { vi } from 'vitest';
import { main } from '../../cli/main.ts';

export interface QjobRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runQjob(...argv: string[]): Promise<QjobRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
