// A strict MessagePack decoder with the limits the host's own decoder enforces (docs/abi.md §2, "Decoder
// limits"): at most 512 containers around any value, strict UTF-8, string keys only and each once per map, no
// extension types and no 0xc1, exactly one value, and every length checked against the bytes that remain before
// anything is allocated. AssemblyScript has no exceptions: the first problem is recorded and decoding stops.

import { decodeUtf8, isValidUtf8 } from "./utf8";
import { Value, ValueMap } from "./value";

/** Deepest nesting accepted: a value may sit inside at most this many arrays/maps (the host's limit). */
export const MAX_DEPTH: i32 = 512;

/** The outcome of decoding: a value, or the first problem and where it was found. */
export class Decoded {
  constructor(
    public value: Value | null,
    public error: string | null,
  ) {}
}

class Reader {
  pos: usize = 0;
  error: string | null = null;
  constructor(
    private base: usize,
    private len: usize,
  ) {}

  fail(at: usize, message: string): Value | null {
    if (this.error === null) this.error = message + " at byte " + at.toString();
    return null;
  }
  remaining(): usize {
    return this.len - this.pos;
  }
  u8(): u32 {
    return <u32>load<u8>(this.base + this.pos++);
  }
  /** A big-endian unsigned integer of `n` bytes (1, 2, 4 or 8); the caller has checked they are there. */
  be(n: usize): u64 {
    let v: u64 = 0;
    for (let i: usize = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(this.base + this.pos + i);
    this.pos += n;
    return v;
  }
  /** Whether `n` more bytes are there; records a truncation otherwise. */
  need(n: u64, at: usize): bool {
    if (n <= <u64>this.remaining()) return true;
    this.fail(
      at,
      "truncated input (" + n.toString() + " bytes needed, " + this.remaining().toString() + " left)",
    );
    return false;
  }

  str(n: u64, at: usize): Value | null {
    if (!this.need(n, at)) return null;
    const ptr = this.base + this.pos;
    if (!isValidUtf8(ptr, <usize>n)) return this.fail(at, "string is not valid UTF-8");
    this.pos += <usize>n;
    return Value.fromString(decodeUtf8(ptr, <usize>n));
  }

  bin(n: u64, at: usize): Value | null {
    if (!this.need(n, at)) return null;
    const out = new Uint8Array(<i32>n);
    memory.copy(out.dataStart, this.base + this.pos, <usize>n);
    this.pos += <usize>n;
    return Value.fromBytes(out);
  }

  array(n: u64, depth: i32, at: usize): Value | null {
    // Every item takes at least one byte: a count beyond what is left is refused before allocating.
    if (!this.need(n, at)) return null;
    const items = new Array<Value>(0);
    for (let i: u64 = 0; i < n; i++) {
      const v = this.value(depth);
      if (v === null) return null;
      items.push(v);
    }
    return Value.fromArray(items);
  }

  map(n: u64, depth: i32, at: usize): Value | null {
    if (!this.need(n * 2, at)) return null;
    const m = new ValueMap();
    for (let i: u64 = 0; i < n; i++) {
      const keyAt = this.pos;
      const k = this.value(depth);
      if (k === null) return null;
      if (!k.isString) return this.fail(keyAt, "map key is not a string");
      if (m.has(k.str)) return this.fail(keyAt, "duplicate map key " + quote(k.str));
      const v = this.value(depth);
      if (v === null) return null;
      m.set(k.str, v);
    }
    return Value.fromMap(m);
  }

  /** The value at `pos`; `depth` is the number of containers around it. */
  value(depth: i32): Value | null {
    const at = this.pos;
    if (depth > MAX_DEPTH)
      return this.fail(at, "value nested deeper than " + MAX_DEPTH.toString() + " levels");
    if (!this.need(1, at)) return null;
    const c = this.u8();
    if (c < 0x80) return Value.fromI64(<i64>c);
    if (c < 0x90) return this.map(c & 0x0f, depth + 1, at);
    if (c < 0xa0) return this.array(c & 0x0f, depth + 1, at);
    if (c < 0xc0) return this.str(c & 0x1f, at);
    if (c >= 0xe0) return Value.fromI64(<i64>(<i8>c));
    switch (c) {
      case 0xc0:
        return Value.nil();
      case 0xc2:
        return Value.fromBool(false);
      case 0xc3:
        return Value.fromBool(true);
      case 0xc4:
        return this.need(1, at) ? this.bin(this.be(1), at) : null;
      case 0xc5:
        return this.need(2, at) ? this.bin(this.be(2), at) : null;
      case 0xc6:
        return this.need(4, at) ? this.bin(this.be(4), at) : null;
      case 0xca:
        return this.need(4, at) ? Value.fromF64(<f64>reinterpret<f32>(<u32>this.be(4))) : null;
      case 0xcb:
        return this.need(8, at) ? Value.fromF64(reinterpret<f64>(this.be(8))) : null;
      case 0xcc:
        return this.need(1, at) ? Value.fromI64(<i64>this.be(1)) : null;
      case 0xcd:
        return this.need(2, at) ? Value.fromI64(<i64>this.be(2)) : null;
      case 0xce:
        return this.need(4, at) ? Value.fromI64(<i64>this.be(4)) : null;
      case 0xcf:
        return this.need(8, at) ? Value.fromU64(this.be(8)) : null;
      case 0xd0:
        return this.need(1, at) ? Value.fromI64(<i64>(<i8>this.be(1))) : null;
      case 0xd1:
        return this.need(2, at) ? Value.fromI64(<i64>(<i16>this.be(2))) : null;
      case 0xd2:
        return this.need(4, at) ? Value.fromI64(<i64>(<i32>this.be(4))) : null;
      case 0xd3:
        return this.need(8, at) ? Value.fromI64(<i64>this.be(8)) : null;
      case 0xd9:
        return this.need(1, at) ? this.str(this.be(1), at) : null;
      case 0xda:
        return this.need(2, at) ? this.str(this.be(2), at) : null;
      case 0xdb:
        return this.need(4, at) ? this.str(this.be(4), at) : null;
      case 0xdc:
        return this.need(2, at) ? this.array(this.be(2), depth + 1, at) : null;
      case 0xdd:
        return this.need(4, at) ? this.array(this.be(4), depth + 1, at) : null;
      case 0xde:
        return this.need(2, at) ? this.map(this.be(2), depth + 1, at) : null;
      case 0xdf:
        return this.need(4, at) ? this.map(this.be(4), depth + 1, at) : null;
      case 0xc1:
        return this.fail(at, "byte 0xc1 is never used in MessagePack");
      default:
        // 0xc7-0xc9, 0xd4-0xd8: extension types stand for dates, sets, references… none of which is plain data.
        return this.fail(at, "extension type 0x" + c.toString(16) + " is not accepted");
    }
  }
}

/** A short quoted form of guest-controlled text for an error message. */
function quote(s: string): string {
  return '"' + (s.length > 64 ? s.slice(0, 64) + "…" : s) + '"';
}

/** Decode exactly one MessagePack value from `len` bytes at `ptr`. */
export function decodeAt(ptr: usize, len: usize): Decoded {
  const r = new Reader(ptr, len);
  const v = r.value(0);
  if (v !== null && r.pos !== len)
    r.fail(r.pos, (len - r.pos).toString() + " trailing bytes after the value");
  const error = r.error;
  return error !== null ? new Decoded(null, error) : new Decoded(v, null);
}

/** Decode exactly one MessagePack value from `bytes`. */
export function decode(bytes: Uint8Array): Decoded {
  return decodeAt(bytes.dataStart, <usize>bytes.length);
}
