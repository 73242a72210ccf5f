// Seeded random data for the MessagePack decoder's property tests: JS values in the decoder's output domain, their
// encodings with randomly chosen (valid, not necessarily shortest) wire forms, and mutations of those encodings.
// Deterministic for a given seed; no dependency beyond this file.

/** mulberry32: a small, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Keys that trip naive decoders: prototype names, integer-like keys (which objects reorder), long, non-ASCII.
const KEYS = [
  "a",
  "name",
  "args",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "0",
  "10",
  "",
  "käse",
  "🔑",
  "a.b[0]",
  "a_key_longer_than_sixteen_bytes",
];
const CHARS = [
  "a",
  "Z",
  "0",
  " ",
  "\n",
  '"',
  "\\",
  "é",
  "ß",
  "€",
  "中",
  "😀",
  "\u{10ffff}",
  "\ufeff",
  "\u0000",
];

interface Header {
  readonly fix?: number;
  readonly fixMax: number;
  readonly m8?: number;
  readonly m16: number;
  readonly m32: number;
}
const STR: Header = { fix: 0xa0, fixMax: 31, m8: 0xd9, m16: 0xda, m32: 0xdb };
const BIN: Header = { fixMax: -1, m8: 0xc4, m16: 0xc5, m32: 0xc6 };
const ARRAY: Header = { fix: 0x90, fixMax: 15, m16: 0xdc, m32: 0xdd };
const MAP: Header = { fix: 0x80, fixMax: 15, m16: 0xde, m32: 0xdf };

export class RandomData {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  private integer(): number | bigint {
    switch (this.int(7)) {
      case 0:
        return this.int(256) - 128;
      case 1:
        return this.int(0x10000) - 0x8000;
      case 2:
        return this.int(0x100000000) - 0x80000000;
      case 3:
        return (this.next() < 0.5 ? -1 : 1) * Math.floor(this.next() * Number.MAX_SAFE_INTEGER);
      case 4:
        return this.pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 127, 128, -32, -33]);
      case 5:
        // Beyond 2^53 but within 64 bits: must come back as exact bigints.
        return this.pick([2n ** 53n, -(2n ** 53n), 2n ** 64n - 1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 63n]);
      default: {
        const big = (BigInt(this.int(0x100000000)) << 32n) | BigInt(this.int(0x100000000));
        return big < 2n ** 53n ? big + 2n ** 53n : big;
      }
    }
  }

  private float(): number {
    switch (this.int(5)) {
      case 0:
        return this.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]);
      case 1:
        return Math.fround((this.next() - 0.5) * 1e6);
      case 2: {
        const b = new DataView(new ArrayBuffer(8));
        b.setUint32(0, this.int(0x100000000));
        b.setUint32(4, this.int(0x100000000));
        return b.getFloat64(0); // any bit pattern: subnormals, huge exponents, NaN payloads
      }
      default:
        return (this.next() - 0.5) * 10 ** this.int(20);
    }
  }

  string(): string {
    const n = this.pick([0, 1, 3, 11, 12, 13, 31, 32, 70, 300]);
    let s = "";
    const ascii = this.chance(0.6);
    for (let i = 0; i < n; i++) s += ascii ? String.fromCharCode(32 + this.int(95)) : this.pick(CHARS);
    return s;
  }

  private bin(): Uint8Array {
    const out = new Uint8Array(this.pick([0, 1, 5, 40, 300]));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    return out;
  }

  /** A value as the decoder returns it: -0 only as 0, maps as plain objects (a `__proto__` key as own data). */
  value(depth = 0): unknown {
    const containers = depth < 5 ? 2 : 0;
    switch (this.int(8 + containers)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
      case 3:
        return this.integer();
      case 4: {
        const f = this.float();
        return f === 0 ? 0 : f;
      }
      case 5:
      case 6:
        return this.string();
      case 7:
        return this.bin();
      case 8: {
        const n = this.pick([0, 1, 2, 5, 16, 17]);
        return Array.from({ length: n }, () => this.value(depth + 1));
      }
      default: {
        const out: Record<string, unknown> = {};
        const n = this.pick([0, 1, 2, 4, 16]);
        for (let i = 0; i < n; i++) {
          const k = this.chance(0.5) ? this.pick(KEYS) : this.string();
          Object.defineProperty(out, k, {
            value: this.value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
    }
  }

  /** Encode `v` (a value from `value()`), choosing a random valid width for every header and number. */
  wire(v: unknown): Uint8Array {
    const out: number[] = [];
    this.write(out, v);
    return new Uint8Array(out);
  }

  /** A length header: `fix | n` when `n <= fixMax`, else (or by chance anyway) the 8-, 16- or 32-bit form. */
  private header(out: number[], n: number, fix: Header): void {
    const forms: Array<() => void> = [];
    if (fix.fix !== undefined && n <= fix.fixMax) forms.push(() => out.push(fix.fix! | n));
    if (fix.m8 !== undefined && n < 0x100) forms.push(() => out.push(fix.m8!, n));
    if (n < 0x10000) forms.push(() => out.push(fix.m16, n >> 8, n & 0xff));
    forms.push(() => out.push(fix.m32, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff));
    this.pick(forms)();
  }

  private fixed(out: number[], marker: number, bytes: number, set: (d: DataView) => void): void {
    const d = new DataView(new ArrayBuffer(bytes));
    set(d);
    out.push(marker, ...new Uint8Array(d.buffer));
  }

  private write(out: number[], v: unknown): void {
    if (v === null) out.push(0xc0);
    else if (typeof v === "boolean") out.push(v ? 0xc3 : 0xc2);
    else if (typeof v === "bigint") {
      if (v < 0n) this.fixed(out, 0xd3, 8, (d) => d.setBigInt64(0, v));
      else if (v < 2n ** 63n && this.chance(0.5)) this.fixed(out, 0xd3, 8, (d) => d.setBigInt64(0, v));
      else this.fixed(out, 0xcf, 8, (d) => d.setBigUint64(0, v));
    } else if (typeof v === "number") this.number(out, v);
    else if (typeof v === "string") {
      const b = new TextEncoder().encode(v);
      this.header(out, b.length, STR);
      out.push(...b);
    } else if (v instanceof Uint8Array) {
      this.header(out, v.length, BIN);
      out.push(...v);
    } else if (Array.isArray(v)) {
      this.header(out, v.length, ARRAY);
      for (const x of v) this.write(out, x);
    } else {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      this.header(out, keys.length, MAP);
      for (const k of keys) {
        this.write(out, k);
        this.write(out, o[k]);
      }
    }
  }

  private number(out: number[], v: number): void {
    const forms: Array<() => void> = [() => this.fixed(out, 0xcb, 8, (d) => d.setFloat64(0, v))];
    if (Object.is(Math.fround(v), v) || Number.isNaN(v)) {
      forms.push(() => this.fixed(out, 0xca, 4, (d) => d.setFloat32(0, v)));
    }
    if (Number.isSafeInteger(v)) {
      if (v >= 0 && v < 0x80) forms.push(() => out.push(v));
      if (v < 0 && v >= -32) forms.push(() => out.push(v & 0xff));
      if (v >= 0 && v < 0x100) forms.push(() => out.push(0xcc, v));
      if (v >= 0 && v < 0x10000) forms.push(() => this.fixed(out, 0xcd, 2, (d) => d.setUint16(0, v)));
      if (v >= 0 && v < 0x100000000) forms.push(() => this.fixed(out, 0xce, 4, (d) => d.setUint32(0, v)));
      if (v >= 0) forms.push(() => this.fixed(out, 0xcf, 8, (d) => d.setBigUint64(0, BigInt(v))));
      if (v >= -0x80 && v < 0x80) forms.push(() => this.fixed(out, 0xd0, 1, (d) => d.setInt8(0, v)));
      if (v >= -0x8000 && v < 0x8000) forms.push(() => this.fixed(out, 0xd1, 2, (d) => d.setInt16(0, v)));
      if (v >= -0x80000000 && v < 0x80000000)
        forms.push(() => this.fixed(out, 0xd2, 4, (d) => d.setInt32(0, v)));
      forms.push(() => this.fixed(out, 0xd3, 8, (d) => d.setBigInt64(0, BigInt(v))));
    }
    this.pick(forms)();
  }

  /** `bytes` with one to three random edits: overwritten, inserted, deleted or duplicated bytes, a cut. */
  mutate(bytes: Uint8Array): Uint8Array {
    const b = [...bytes];
    const interesting = [0x00, 0xc1, 0xc7, 0xd4, 0xd8, 0xdb, 0xdd, 0xdf, 0xff, 0x80, 0xed, 0xf4, 0xc0];
    for (let edits = 1 + this.int(3); edits > 0; edits--) {
      const at = this.int(b.length + 1);
      switch (this.int(5)) {
        case 0:
          if (at < b.length) b[at] = this.chance(0.5) ? this.int(256) : this.pick(interesting);
          break;
        case 1:
          b.splice(at, 0, this.chance(0.5) ? this.int(256) : this.pick(interesting));
          break;
        case 2:
          b.splice(at, 1);
          break;
        case 3:
          b.splice(at, 0, ...b.slice(at, at + 1 + this.int(8)));
          break;
        default:
          b.length = at;
      }
    }
    return new Uint8Array(b);
  }
}
