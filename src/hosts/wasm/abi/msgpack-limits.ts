// Limits and error-path formatting shared by the MessagePack encoder (msgpack.ts) and the strict decoder
// (decode.ts). They live in one place because the two must agree: every value the decoder accepts from a guest has
// to be re-encodable for the next plugin, so the decoder's depth limit is, by definition, the encoder's.

/**
 * Deepest nesting either direction allows: a value may sit inside at most this many arrays/maps. The root value is
 * at depth 0, so 512 nested empty arrays are fine, and so is a scalar inside 512 arrays; one level more is refused.
 */
export const MAX_DEPTH = 512;

/** One step from a container to a child: an array index or a map key. */
export type PathSegment = string | number;

// Keys that read well after a dot; anything else (guest-controlled text with dots, quotes, newlines, or sheer
// length) is quoted and cut, so a hostile key cannot forge or flood an error message.
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const MAX_KEY_CHARS = 64;

function keySegment(key: string, first: boolean): string {
  if (PLAIN_KEY.test(key)) return first ? key : `.${key}`;
  const cut = key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key;
  return `[${JSON.stringify(cut)}]`;
}

/** `root` followed by the segments, e.g. `result.modified_payload.args[3]`; "" when there is neither. */
export function formatPath(root: string | undefined, segments: readonly PathSegment[]): string {
  let out = root ?? "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : keySegment(s, out === "");
  return out;
}
