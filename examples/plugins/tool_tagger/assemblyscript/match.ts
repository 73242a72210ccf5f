// Matching helpers of tool_tagger: the whole-string glob on tool names and the byte-order comparison used to
// sort labels, both on Unicode scalars (AssemblyScript strings are UTF-16, the other versions iterate chars).

/** The code points of `s` (a surrogate pair is one scalar, as Rust's `chars()` and JavaScript's spread). */
function scalars(s: string): i32[] {
  const out = new Array<i32>(0);
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i);
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}

/** Whole-string glob: `*` any run, `?` one Unicode scalar, case-sensitive. */
export function glob(pattern: string, text: string): bool {
  const p = scalars(pattern);
  const t = scalars(text);
  const STAR = 0x2a;
  const QUESTION = 0x3f;
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    if (i < p.length && (p[i] === QUESTION || p[i] === t[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === STAR) {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === STAR) i++;
  return i === p.length;
}

/**
 * Order of the UTF-8 bytes (Rust's `sort`, the native plugin's Buffer comparison), which is code-point order;
 * UTF-16 code-unit order differs for characters above U+FFFF.
 */
export function compareCodePoints(a: string, b: string): i32 {
  const x = scalars(a);
  const y = scalars(b);
  const n = min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}
