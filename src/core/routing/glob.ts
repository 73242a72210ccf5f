// Whole-string glob matching for route patterns and `user_patterns`: `*` matches any run of characters (also
// empty), `?` exactly one; `**` is the same as `*`. Iterative two-pointer matcher: linear-ish time, no regular
// expressions built from configuration (so no ReDoS from a hostile pattern).

export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && (pc === 63 /* ? */ || pc === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && pc === 42 /* * */) {
      while (pattern.charCodeAt(p) === 42) p++;
      star = p;
      mark = t;
    } else if (star !== -1) {
      p = star;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}
