// MessagePack encoder for the ABI (host → guest). Our own because msgpackr writes integral numbers above 32 bits as
// float64, which typed guests (Rust u64/i64 fields) reject; here every integral number is an integer on the wire,
// bigints keep full 64-bit precision, binary stays `bin`, and `undefined` map values are omitted (CPEX: absent
// optionals are omitted, not nil). Guest output is decoded by the strict decoder in decode.ts; `decode` is
// re-exported here for callers that import it from this module.

import { CpexError } from "../../../core/cpex-error.js";
import { formatPath, MAX_DEPTH, type PathSegment } from "./msgpack-limits.js";

export { decode, MsgpackDecodeError } from "./decode.js";

export class MsgpackError extends CpexError<"payload_unencodable"> {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super("payload_unencodable", `${path}: ${message}`, { details: { path } });
    this.name = "MsgpackError";
  }
}

const textEncoder = new TextEncoder();

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  head(marker: number, v: number, bytes: 1 | 2 | 4): void {
    this.ensure(1 + bytes);
    this.buf[this.pos++] = marker;
    if (bytes === 1) this.buf[this.pos] = v;
    else if (bytes === 2) this.view.setUint16(this.pos, v);
    else this.view.setUint32(this.pos, v);
    this.pos += bytes;
  }
}

function writeInt(w: Writer, v: number): void {
  if (v >= 0) {
    if (v < 0x80) {
      w.u8(v);
      return;
    }
    if (v < 0x100) {
      w.head(0xcc, v, 1);
      return;
    }
    if (v < 0x10000) {
      w.head(0xcd, v, 2);
      return;
    }
    if (v < 0x100000000) {
      w.head(0xce, v, 4);
      return;
    }
    w.ensure(9);
    w.buf[w.pos++] = 0xcf;
    w.view.setBigUint64(w.pos, BigInt(v));
    w.pos += 8;
    return;
  }
  if (v >= -0x20) {
    w.u8(v & 0xff);
    return;
  }
  if (v >= -0x80) {
    w.head(0xd0, v & 0xff, 1);
    return;
  }
  if (v >= -0x8000) {
    w.head(0xd1, v & 0xffff, 2);
    return;
  }
  if (v >= -0x80000000) {
    w.head(0xd2, v >>> 0, 4);
    return;
  }
  w.ensure(9);
  w.buf[w.pos++] = 0xd3;
  w.view.setBigInt64(w.pos, BigInt(v));
  w.pos += 8;
}

function writeString(w: Writer, s: string): void {
  const len = s.length;
  if (len < 32) {
    // Short strings: a manual loop beats encodeInto's call overhead; bail out at the first non-ASCII unit.
    w.ensure(1 + len);
    const start = w.pos;
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      w.buf[start + 1 + i] = c;
    }
    if (i === len) {
      w.buf[start] = 0xa0 | len;
      w.pos = start + 1 + len;
      return;
    }
  }
  // Worst case 3 bytes per UTF-16 unit; write the body after a header slot sized for that, then fix the header.
  const max = len * 3;
  w.ensure(5 + max);
  const start = w.pos;
  const headerLen = max < 0x20 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
  const { written } = textEncoder.encodeInto(s, w.buf.subarray(start + headerLen));
  const n = written;
  const needed = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  if (needed !== headerLen) w.buf.copyWithin(start + needed, start + headerLen, start + headerLen + n);
  if (needed === 1) w.buf[start] = 0xa0 | n;
  else if (needed === 2) {
    w.buf[start] = 0xd9;
    w.buf[start + 1] = n;
  } else if (needed === 3) {
    w.buf[start] = 0xda;
    w.view.setUint16(start + 1, n);
  } else {
    w.buf[start] = 0xdb;
    w.view.setUint32(start + 1, n);
  }
  w.pos = start + needed + n;
}

function writeMapHeader(w: Writer, n: number): void {
  if (n < 16) w.u8(0x80 | n);
  else if (n < 0x10000) w.head(0xde, n, 2);
  else w.head(0xdf, n, 4);
}

// Keys and indices from the root to the value being written; read only to name the path in an error.
const trail: PathSegment[] = [];

function path(): string {
  return formatPath(undefined, trail);
}

function writeValue(w: Writer, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new MsgpackError(path(), `value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof v) {
    case "string":
      writeString(w, v);
      return;
    case "number":
      if (Number.isSafeInteger(v)) {
        writeInt(w, v);
        return;
      }
      w.ensure(9);
      w.buf[w.pos++] = 0xcb;
      w.view.setFloat64(w.pos, v);
      w.pos += 8;
      return;
    case "boolean":
      w.u8(v ? 0xc3 : 0xc2);
      return;
    case "bigint":
      w.ensure(9);
      if (v >= 0n) {
        if (v > 0xffffffffffffffffn) throw new MsgpackError(path(), "integer does not fit in 64 bits");
        w.buf[w.pos++] = 0xcf;
        w.view.setBigUint64(w.pos, v);
      } else {
        if (v < -0x8000000000000000n) throw new MsgpackError(path(), "integer does not fit in 64 bits");
        w.buf[w.pos++] = 0xd3;
        w.view.setBigInt64(w.pos, v);
      }
      w.pos += 8;
      return;
    case "undefined":
      w.u8(0xc0);
      return;
    case "object":
      break;
    default:
      throw new MsgpackError(path(), `cannot encode a ${typeof v}`);
  }
  if (v === null) {
    w.u8(0xc0);
    return;
  }
  if (Array.isArray(v)) {
    const n = v.length;
    if (n < 16) w.u8(0x90 | n);
    else if (n < 0x10000) w.head(0xdc, n, 2);
    else w.head(0xdd, n, 4);
    for (let i = 0; i < n; i++) {
      trail.push(i);
      writeValue(w, v[i], depth + 1);
      trail.pop();
    }
    return;
  }
  if (v instanceof Uint8Array) {
    const n = v.length;
    if (n < 0x100) w.head(0xc4, n, 1);
    else if (n < 0x10000) w.head(0xc5, n, 2);
    else w.head(0xc6, n, 4);
    w.ensure(n);
    w.buf.set(v, w.pos);
    w.pos += n;
    return;
  }
  if (v instanceof Map) {
    writeMapHeader(w, v.size);
    for (const [k, val] of v) {
      if (typeof k !== "string") throw new MsgpackError(path(), "map keys must be strings");
      writeString(w, k);
      trail.push(k);
      writeValue(w, val, depth + 1);
      trail.pop();
    }
    return;
  }
  if (v instanceof Set) {
    writeValue(w, [...v], depth);
    return;
  }
  if (v instanceof Date) {
    writeString(w, v.toISOString());
    return;
  }
  const obj = v as Record<string, unknown>;
  let n = 0;
  for (const k in obj) if (obj[k] !== undefined) n++;
  writeMapHeader(w, n);
  for (const k in obj) {
    const val = obj[k];
    if (val === undefined) continue;
    writeString(w, k);
    trail.push(k);
    writeValue(w, val, depth + 1);
    trail.pop();
  }
}

/** Encode a JS value (plain data) to MessagePack. Throws MsgpackError naming the path of an unencodable value. */
// One scratch buffer reused by every encode (grown as needed); each result is a right-sized copy.
const scratch = new Writer(64 * 1024);

export function encode(value: unknown, root?: string): Uint8Array {
  const w = scratch;
  w.pos = 0;
  trail.length = 0;
  if (root !== undefined) trail.push(root);
  writeValue(w, value, 0);
  return w.buf.slice(0, w.pos);
}
