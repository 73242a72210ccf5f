// Byte-level reading and writing for the WebAssembly binary format. LEB128 readers accept any valid encoding up
// to the type's maximum length, padded (non-minimal) forms included: Go emits those.

import { CpexError } from "../../../core/cpex-error.js";

export class BinaryError extends CpexError<"module_malformed"> {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super("module_malformed", `${message} (at byte offset ${offset})`, { details: { offset } });
    this.name = "BinaryError";
  }
}

export class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    readonly end = bytes.length,
  ) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new BinaryError("unexpected end", this.pos);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (i === 4 && b > 0x0f) throw new BinaryError("u32 LEB128 out of range", this.pos - 1);
        return result;
      }
      mul *= 128;
    }
    throw new BinaryError("u32 LEB128 longer than 5 bytes", this.pos);
  }

  /** Skip a signed LEB128 of at most `maxBytes` bytes (5 for s32/s33, 10 for s64). */
  skipSleb(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw new BinaryError("signed LEB128 too long", this.pos);
  }

  s33(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= mul;
        return result;
      }
    }
    throw new BinaryError("s33 LEB128 too long", this.pos);
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new BinaryError("unexpected end", this.pos);
    this.pos += n;
  }

  name(): string {
    const n = this.u32();
    const start = this.pos;
    this.skip(n);
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(start, start + n));
  }
}

/** Growable output buffer. */
export class Writer {
  buf: Uint8Array<ArrayBuffer>;
  pos = 0;

  constructor(size = 1024) {
    this.buf = new Uint8Array(size);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n < 64) {
      // Most copies are a few instruction bytes: a loop beats allocating a subarray for TypedArray.set.
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = src[i]!;
    } else {
      this.buf.set(src.subarray(start, end), this.pos);
    }
    this.pos += n;
  }

  u32(v: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    if (v < 0x80) {
      this.buf[this.pos++] = v;
      return;
    }
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (v !== 0);
  }

  s64(v: bigint): void {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return;
    }
  }

  /** Skip `n` bytes, to be filled later (e.g. with paddedU32At). */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos += n;
  }

  /** Write `v` at `at` as a 5-byte (padded) unsigned LEB128. */
  paddedU32At(at: number, v: number): void {
    const b = this.buf;
    b[at] = (v & 0x7f) | 0x80;
    b[at + 1] = ((v >>> 7) & 0x7f) | 0x80;
    b[at + 2] = ((v >>> 14) & 0x7f) | 0x80;
    b[at + 3] = ((v >>> 21) & 0x7f) | 0x80;
    b[at + 4] = (v >>> 28) & 0x0f;
  }

  /** Signed LEB128 of a non-negative safe integer, without BigInt (charges are written thousands of times). */
  sleb(v: number): void {
    if (v < 0 || !Number.isSafeInteger(v)) {
      this.s64(BigInt(v));
      return;
    }
    for (;;) {
      const b = v % 128;
      v = Math.floor(v / 128);
      if (v === 0 && (b & 0x40) === 0) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.bytes(b);
  }

  /** Write `body` prefixed by its u32 length. */
  sized(body: Uint8Array): void {
    this.u32(body.length);
    this.bytes(body);
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}
