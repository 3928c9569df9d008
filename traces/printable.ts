/**
 * Text from outside (a trace line, a file name) made safe to print in a message: control characters
 * (C0, DEL, C1), line and paragraph separators and bidirectional overrides are written as escapes, so a
 * hostile line cannot set the terminal's title, clear the screen or reorder what is shown.
 */

// C0 and DEL, C1, U+2028/2029, the bidi embeddings/overrides/isolates, U+FEFF (invisible).
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

/** `text` with every unprintable character written as `\e`, `\t`, `\n`, `\r` or `\xHH` / `\uHHHH`. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A line quoted in a message: trimmed, made printable, cut to `max` characters. */
export function excerpt(text: string, max = 120): string {
  const s = text.trim();
  return printable(s.length > max ? `${s.slice(0, max)}…` : s);
}
