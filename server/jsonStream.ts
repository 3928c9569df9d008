/**
 * Splits what a QMP client sends into JSON texts, as QEMU's streaming JSON parser does: objects may
 * span chunks and need no newline between them. A top-level token that is not an object or array ends
 * at the next newline, so garbage gets one error reply per line.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type JsonItem = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'overflow' };

export class JsonStream {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Index in buf where the scan resumes. */
  private pos = 0;

  push(chunk: string): JsonItem[] {
    this.buf += chunk;
    const out: JsonItem[] = [];
    while (this.pos < this.buf.length) {
      const ch = this.buf[this.pos]!;
      this.pos += 1;
      if (this.depth === 0 && !this.inString) {
        if (ch === '{' || ch === '[') {
          this.depth = 1;
          continue;
        }
        if (/\s/.test(ch)) {
          if (ch === '\n') this.emitToken(out);
          continue;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth += 1;
      else if (ch === '}' || ch === ']') {
        this.depth -= 1;
        if (this.depth === 0) this.take(out);
      }
    }
    if (this.buf.length > MAX_MESSAGE_BYTES) {
      this.reset();
      out.push({ kind: 'overflow' });
    }
    return out;
  }

  private take(out: JsonItem[]): void {
    const text = this.buf.slice(0, this.pos).trim();
    this.buf = this.buf.slice(this.pos);
    this.pos = 0;
    if (text !== '') out.push({ kind: 'text', text });
  }

  /** A newline at depth 0: whatever non-space text came before it is one (bad) token. */
  private emitToken(out: JsonItem[]): void {
    this.take(out);
  }

  private reset(): void {
    this.buf = '';
    this.pos = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }
}
