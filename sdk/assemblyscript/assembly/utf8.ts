// UTF-8 with the host's rules (docs/abi.md §2): what comes in is validated strictly — overlong forms, surrogates,
// code points past U+10FFFF and cut sequences are rejected, never replaced — and what goes out is always valid.
// AssemblyScript's own String.UTF8 is lenient in both directions, so it is only used on bytes checked here.

/** Whether `len` bytes at `ptr` are well-formed UTF-8 (RFC 3629). */
export function isValidUtf8(ptr: usize, len: usize): bool {
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: usize;
    let min: u32;
    let cp: u32;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b0 & 0x07;
    } else {
      return false; // a continuation byte first, C0/C1 (always overlong) or F5+ (past U+10FFFF)
    }
    if (len - i <= need) return false; // cut sequence
    for (let k: usize = 1; k <= need; k++) {
      const b = <u32>load<u8>(ptr + i + k);
      if ((b & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Decode bytes already checked by `isValidUtf8`. */
export function decodeUtf8(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

/** Number of UTF-8 bytes `encodeUtf8Into` writes for `s` (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(s: string): i32 {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && isLow(<u32>s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLow(c: u32): bool {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Write `s` as UTF-8 at `ptr` (room for `utf8Length(s)` bytes). AssemblyScript strings are UTF-16 and may hold a
 * lone surrogate, which has no UTF-8 form: it is written as U+FFFD, as `TextEncoder` does, because the host
 * rejects the surrogate's 3-byte (WTF-8) form and would end the call.
 */
export function encodeUtf8Into(s: string, ptr: usize): usize {
  let o = ptr;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
      continue;
    }
    if (c < 0x800) {
      store<u8>(o++, <u8>(0xc0 | (c >> 6)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && isLow(<u32>s.charCodeAt(i + 1))) {
      c = 0x10000 + ((c - 0xd800) << 10) + (<u32>s.charCodeAt(++i) - 0xdc00);
      store<u8>(o++, <u8>(0xf0 | (c >> 18)));
      store<u8>(o++, <u8>(0x80 | ((c >> 12) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    store<u8>(o++, <u8>(0xe0 | (c >> 12)));
    store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
    store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
  }
  return o - ptr;
}

/** `s` as a fresh UTF-8 buffer. */
export function utf8Bytes(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  encodeUtf8Into(s, out.dataStart);
  return out;
}
