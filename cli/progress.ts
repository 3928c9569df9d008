/**
 * The live progress line of long runs: one line on stderr, rewritten in place (`\r\x1b[K...`) and
 * cleared at the end, only when stderr is a terminal; nothing at all otherwise, so logs and pipes stay
 * clean. It is drawn once the run has lasted `delayMs` (a quick run shows nothing), at most every
 * `intervalMs`, and cut to the terminal's width (a wrapped line could not be rewritten).
 */
import { printable } from '../traces/printable.ts';

/** What a progress line writes to: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  /** Default process.stderr. */
  readonly stream?: ProgressStream;
  /** Nothing is drawn before the run has lasted this long (default 1000 ms). */
  readonly delayMs?: number;
  /** Least time between two drawings (default 100 ms); a forced update ignores it. */
  readonly intervalMs?: number;
  /** The clock, in milliseconds (default performance.now). */
  readonly now?: () => number;
}

export interface Progress {
  /** Whether the line is drawn at all (stderr is a terminal). */
  readonly live: boolean;
  /** Shows `<label>: <text>` as the live line; `force` draws it even within the interval. */
  update(text: string, force?: boolean): void;
  /** `<label>: <done>/<total> <unit>` and, when given, ` (<detail>)`; the last step is always drawn. */
  count(done: number, total: number, unit?: string, detail?: string): void;
  /**
   * Writes `text` to `to` (default the progress stream): on a terminal the live line is cleared first and
   * drawn again after, so the text stays above it. Reports that go to stdout while the line runs use it.
   */
  write(text: string, to?: { write(chunk: string): boolean }): void;
  /** Clears the live line; call it before writing the run's report. Safe to call more than once. */
  done(): void;
}

const CLEAR = '\r\x1b[K';

/** A progress line labelled `label` (e.g. `qjob check`). */
export function startProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const live = stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 1000;
  const intervalMs = options.intervalMs ?? 100;
  const started = now();
  let drawnAt = -Infinity;
  let shown = '';
  let finished = false;

  const fit = (text: string): string => {
    // A terminal that does not say its width (0, as a bare pseudo-terminal reports it) counts as 80 wide.
    const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
    const width = Math.max(20, columns - 1);
    // File names and scenario names come from outside: no control character reaches the terminal.
    const line = printable(`${label}: ${text}`);
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  const draw = (line: string): void => {
    stream.write(CLEAR + line);
    shown = line;
  };

  return {
    live,
    update(text: string, force = false): void {
      if (!live || finished) return;
      const t = now();
      if (t - started < delayMs) return;
      if (!force && t - drawnAt < intervalMs) return;
      drawnAt = t;
      draw(fit(text));
    },
    count(done: number, total: number, unit = '', detail?: string): void {
      const text = `${done}/${total}${unit === '' ? '' : ` ${unit}`}${detail === undefined ? '' : ` (${detail})`}`;
      this.update(text, done === total);
    },
    write(text: string, to: { write(chunk: string): boolean } = stream): void {
      if (!live || shown === '') {
        to.write(text);
        return;
      }
      stream.write(CLEAR);
      to.write(text);
      draw(shown);
    },
    done(): void {
      if (finished) return;
      finished = true;
      if (shown !== '') stream.write(CLEAR);
      shown = '';
    },
  };
}
