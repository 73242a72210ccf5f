// Text that comes from a guest (log lines, error messages, import and export names) is untrusted: it must not
// forge log lines (newlines, CR), drive a terminal (ANSI escapes start with ESC), hide in NULs or reorder what an
// operator reads (bidirectional overrides), nor flood a log or an error message. Everything that reaches a logger
// or an error message goes through here: control characters are escaped, the length is capped (docs/abi.md,
// "Text from a guest").

/** Longest log line kept from a guest (characters); the rest is cut and counted. */
export const MAX_LOG_LINE_CHARS = 4096;
/** Longest guest error message kept (characters). */
export const MAX_GUEST_MESSAGE_CHARS = 1024;
/** Longest import/export/section name quoted in an error message (characters). */
export const MAX_NAME_CHARS = 128;

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates, BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** `text` with unsafe characters escaped and at most `maxChars` characters of it kept. */
export function safeText(text: string, maxChars: number): string {
  const cut = text.length > maxChars;
  const kept = cut ? text.slice(0, maxChars) : text;
  // Backslashes are escaped too, so an escaped sequence in the output always means the host escaped it.
  const escaped = kept.replace(/\\/g, "\\\\").replace(UNSAFE, escapeChar);
  return cut ? `${escaped}… [${text.length - maxChars} more characters]` : escaped;
}

/** A name (import, export, section) for an error message: escaped, capped, quoted. */
export function safeName(name: string): string {
  return `'${safeText(name, MAX_NAME_CHARS)}'`;
}
