// A MessagePack encoder whose output the host's strict decoder accepts (docs/abi.md §2): the smallest integer
// forms, float64 for floats, valid UTF-8 strings (see utf8.ts for lone surrogates), no extension types, and
// nesting within the host's 512 levels — deeper values are refused here so the plugin reports its own error
// instead of the host ending the call with `abi_violation`.

import { MAX_DEPTH } from "./msgpack-reader";
import { encodeUtf8Into, utf8Length } from "./utf8";
import { Kind, Value } from "./value";

export class Writer {
  private buf: Uint8Array = new Uint8Array(256);
  private len: i32 = 0;
  /** Set when a value could not be written (too deep); the output must then not be used. */
  error: string | null = null;

  private reserve(n: i32): usize {
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const next = new Uint8Array(cap);
      memory.copy(next.dataStart, this.buf.dataStart, <usize>this.len);
      this.buf = next;
    }
    const at = this.buf.dataStart + <usize>this.len;
    this.len += n;
    return at;
  }
  private byte(b: u32): void {
    store<u8>(this.reserve(1), <u8>b);
  }
  private be(v: u64, n: i32): void {
    const at = this.reserve(n);
    for (let i = 0; i < n; i++) store<u8>(at + <usize>i, <u8>(v >> <u64>(8 * (n - 1 - i))));
  }
  private header(fix: u32, fixMax: u32, c16: u32, c32: u32, n: u32): void {
    if (n <= fixMax) this.byte(fix | n);
    else if (n <= 0xffff) {
      this.byte(c16);
      this.be(n, 2);
    } else {
      this.byte(c32);
      this.be(n, 4);
    }
  }

  nil(): void {
    this.byte(0xc0);
  }
  bool(b: bool): void {
    this.byte(b ? 0xc3 : 0xc2);
  }
  int(n: i64): void {
    if (n >= 0) this.uint(<u64>n);
    else if (n >= -32) this.byte(<u32>(<u8>(<i8>n)));
    else if (n >= -128) {
      this.byte(0xd0);
      this.be(<u64>n, 1);
    } else if (n >= -32768) {
      this.byte(0xd1);
      this.be(<u64>n, 2);
    } else if (n >= -2147483648) {
      this.byte(0xd2);
      this.be(<u64>n, 4);
    } else {
      this.byte(0xd3);
      this.be(<u64>n, 8);
    }
  }
  uint(n: u64): void {
    if (n < 0x80) this.byte(<u32>n);
    else if (n <= 0xff) {
      this.byte(0xcc);
      this.be(n, 1);
    } else if (n <= 0xffff) {
      this.byte(0xcd);
      this.be(n, 2);
    } else if (n <= 0xffffffff) {
      this.byte(0xce);
      this.be(n, 4);
    } else {
      this.byte(0xcf);
      this.be(n, 8);
    }
  }
  float(f: f64): void {
    this.byte(0xcb);
    this.be(reinterpret<u64>(f), 8);
  }
  str(s: string): void {
    const n = utf8Length(s);
    if (n < 32) this.byte(0xa0 | <u32>n);
    else if (n <= 0xff) {
      this.byte(0xd9);
      this.be(<u64>n, 1);
    } else this.header(0, 0, 0xda, 0xdb, <u32>n);
    encodeUtf8Into(s, this.reserve(n));
  }
  bytes(b: Uint8Array): void {
    const n = <u32>b.length;
    if (n <= 0xff) {
      this.byte(0xc4);
      this.be(n, 1);
    } else this.header(0, 0, 0xc5, 0xc6, n);
    memory.copy(this.reserve(b.length), b.dataStart, <usize>b.length);
  }
  arrayHeader(n: i32): void {
    this.header(0x90, 15, 0xdc, 0xdd, <u32>n);
  }
  mapHeader(n: i32): void {
    this.header(0x80, 15, 0xde, 0xdf, <u32>n);
  }

  /** Write `v`, which sits inside `depth` containers. */
  value(v: Value, depth: i32 = 0): void {
    if (this.error !== null) return;
    if (depth > MAX_DEPTH) {
      this.error = "value nested deeper than " + MAX_DEPTH.toString() + " levels";
      return;
    }
    switch (v.kind) {
      case Kind.Nil:
        this.nil();
        break;
      case Kind.Bool:
        this.bool(v.bool);
        break;
      case Kind.Int:
        this.int(v.int);
        break;
      case Kind.UInt:
        this.uint(v.uint);
        break;
      case Kind.Float:
        this.float(v.float);
        break;
      case Kind.Str:
        this.str(v.str);
        break;
      case Kind.Bin:
        this.bytes(v.bin!);
        break;
      case Kind.Array: {
        const items = v.items!;
        this.arrayHeader(items.length);
        for (let i = 0; i < items.length; i++) this.value(items[i], depth + 1);
        break;
      }
      default: {
        const m = v.map!;
        this.mapHeader(m.size);
        for (let i = 0; i < m.size; i++) {
          this.str(m.keys[i]);
          this.value(m.values[i], depth + 1);
        }
      }
    }
  }

  /** The bytes written so far (a copy the caller owns). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** `v` as MessagePack, or null when it cannot be encoded for the host (nested too deep). */
export function encode(v: Value): Uint8Array | null {
  const w = new Writer();
  w.value(v);
  return w.error !== null ? null : w.finish();
}
