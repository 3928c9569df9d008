/**
 * Newline framing for QMP. QEMU ends every message with "\r\n" and may write several in one chunk or
 * split one across chunks (a multi-byte character included), so bytes are collected until a newline and
 * only then decoded. A line longer than the cap is reported once, as soon as the cap is passed, and its
 * remaining bytes are dropped up to the next newline: a peer cannot make us buffer without limit.
 */

/** 16 MiB: far above any real QMP reply (query-commands is about 10 KiB). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export type SplitItem =
  /** A complete line, without its "\n" or "\r\n". */
  | { readonly kind: 'line'; readonly text: string }
  /** A line passed the cap; `prefix` is its first bytes, for error messages. */
  | { readonly kind: 'overflow'; readonly prefix: string };

const PREFIX_BYTES = 200;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping = false;

  constructor(readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {}

  /** Feeds one chunk; returns the lines it completed, in order. */
  push(chunk: Buffer): SplitItem[] {
    const items: SplitItem[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.dropping) {
        // Still inside an over-long line: its bytes are discarded.
      } else if (this.size + piece.length > this.maxLineBytes) {
        items.push({ kind: 'overflow', prefix: this.prefix(piece) });
        this.parts = [];
        this.size = 0;
        this.dropping = true;
      } else if (piece.length > 0) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl < 0) break;
      if (this.dropping) {
        this.dropping = false;
      } else {
        items.push({ kind: 'line', text: this.take() });
      }
      start = nl + 1;
    }
    return items;
  }

  /** The bytes after the last newline (an unterminated last line), decoded; empties the buffer. */
  rest(): string {
    this.dropping = false;
    return this.take();
  }

  private take(): string {
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private prefix(piece: Buffer): string {
    return Buffer.concat([...this.parts, piece]).subarray(0, PREFIX_BYTES).toString('utf8');
  }
}
