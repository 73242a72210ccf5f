// Strict MessagePack decoder for guest output (`result_set`, `error_set`). The bytes are untrusted, and what comes
// out is handed on to native plugins and the application, so it must be plain JSON-like data the host's own encoder
// can write again: nil, booleans, numbers, bigints, strings, fresh `Uint8Array`s, arrays, and plain objects with
// string keys — nothing else, no shared references, nesting within MAX_DEPTH. Anything else is a
// MsgpackDecodeError naming the byte offset and the path of the offending value. The accepted and rejected forms
// are listed in docs/abi.md §2 ("Decoder limits").
//
// Speed (`npx tsx bench/msgpack-decode.ts`; Node 20, 2 shared cores under other builds, so absolute times were noisy
// and only ratios are quoted; speed-up = msgpackr time / ours, three runs). Against msgpackr 2.1.4 `Unpackr`
// (`mapsAsObjects`, `copyBuffers`, as the host used it) with its native extension disabled:
//   1 KiB result map (1142 B)    1.00–1.31x   (e.g. 9.2 µs vs 9.3 µs in the quietest run)
//   64 KiB result map (65585 B)  1.19–1.25x   (e.g. 373 µs vs 454 µs)
// With its native string extension (`--native`; the old host loaded it when installed) msgpackr is faster: 0.75x
// at 1 KiB, 0.5–0.7x at 64 KiB. The price of validating UTF-8, keys and structure in JS.
// What keeps it fast: map keys come from a byte-compared cache (utf8.ts), short ASCII strings are built in JS, and
// the path for error messages is assembled only when a decode fails.

import { CpexError } from "../../../core/cpex-error.js";
import { formatPath, MAX_DEPTH, type PathSegment } from "./msgpack-limits.js";
import { decodeKey, decodeUtf8 } from "./utf8.js";

export interface DecodeOptions {
  /** Name of the root value in error paths, e.g. `result`. */
  readonly path?: string;
  /** Called with the number of items (values and map keys) decoded so far; may throw to abort the decode. */
  readonly onProgress?: (itemsSoFar: number) => void;
  /** Items between two `onProgress` calls (default 4096). */
  readonly progressEvery?: number;
}

export const DEFAULT_PROGRESS_EVERY = 4096;

export class MsgpackDecodeError extends CpexError<"abi_violation"> {
  constructor(
    /** Offset of the offending byte from the start of the input. */
    readonly offset: number,
    /** Path of the offending value (`result.modified_payload.args[3]`); "" for the root without a name. */
    readonly path: string,
    readonly reason: string,
  ) {
    super("abi_violation", `${path === "" ? "<root>" : path}: ${reason} (at byte ${offset})`, {
      details: { offset, path },
    });
    this.name = "MsgpackDecodeError";
  }
}

// Thrown inside the decoder and turned into a MsgpackDecodeError at the top. Not an Error: no stack trace to
// capture, and each enclosing container appends its segment on the way out, so the hot path keeps no path state.
class Failure {
  readonly reversedPath: PathSegment[] = [];
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

function fail(offset: number, reason: string): never {
  throw new Failure(offset, reason);
}

class Reader {
  pos = 0;
  items = 0;
  nextProgress: number;
  readonly end: number;
  readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly every: number,
    readonly onProgress: ((itemsSoFar: number) => void) | undefined,
  ) {
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.nextProgress = onProgress === undefined ? Number.POSITIVE_INFINITY : every;
  }
}

function progress(r: Reader): void {
  r.nextProgress += r.every;
  r.onProgress!(r.items);
}

/** Consume the `n` bytes that follow the marker at `at` (the reader is just past it); returns where they start. */
function take(r: Reader, n: number, at: number): number {
  const p = r.pos;
  if (n > r.end - p)
    fail(at, `truncated input: marker ${hex(r.bytes[at]!)} needs ${n} more bytes, ${r.end - p} left`);
  r.pos = p + n;
  return p;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** Read a length of 1, 2 or 4 bytes (big-endian, unsigned) following the marker at `at`. */
function length(r: Reader, bytes: 1 | 2 | 4, at: number): number {
  const p = take(r, bytes, at);
  if (bytes === 1) return r.bytes[p]!;
  if (bytes === 2) return r.view.getUint16(p);
  return r.view.getUint32(p);
}

// Safe integers (|v| < 2^53) as numbers, everything else exactly as bigint: a number that is not a safe integer
// would be re-encoded as float64, so the next plugin would see a different wire type.
const TWO_32 = 4294967296;
const SAFE_HIGH_WORD = 0x200000; // 2^53 / 2^32

function readU64(r: Reader, p: number): number | bigint {
  const hi = r.view.getUint32(p);
  if (hi < SAFE_HIGH_WORD) return hi * TWO_32 + r.view.getUint32(p + 4);
  return r.view.getBigUint64(p);
}

function readI64(r: Reader, p: number): number | bigint {
  const hi = r.view.getInt32(p);
  if (hi >= -SAFE_HIGH_WORD && hi < SAFE_HIGH_WORD) {
    const v = hi * TWO_32 + r.view.getUint32(p + 4); // exact: |v| <= 2^53
    if (v !== -9007199254740992) return v;
  }
  return r.view.getBigInt64(p);
}

function readStr(r: Reader, n: number, at: number): string {
  if (n > r.end - r.pos) fail(at, `string of ${n} bytes exceeds the remaining ${r.end - r.pos} bytes`);
  const p = r.pos;
  r.pos = p + n;
  const s = decodeUtf8(r.bytes, p, p + n);
  if (s === undefined) fail(at, "string is not valid UTF-8");
  return s;
}

function readBin(r: Reader, n: number, at: number): Uint8Array {
  if (n > r.end - r.pos) fail(at, `binary of ${n} bytes exceeds the remaining ${r.end - r.pos} bytes`);
  const p = r.pos;
  r.pos = p + n;
  // A copy: the input may be a view of guest memory, which the guest can overwrite after the call.
  const out = new Uint8Array(n);
  out.set(r.bytes.subarray(p, p + n));
  return out;
}

function readFloat(v: number): number {
  // -0 becomes 0: the encoder writes every integral number, -0 included, as an integer, and JSON has no -0.
  return v === 0 ? 0 : v;
}

const PREALLOCATE_MAX = 65536;

function readArray(r: Reader, n: number, depth: number, at: number): unknown[] {
  // Every element takes at least one byte: a length the input cannot hold is refused before allocating.
  if (n > r.end - r.pos) fail(at, `array of ${n} elements exceeds the remaining ${r.end - r.pos} bytes`);
  // Preallocated up to a size V8 keeps in fast (non-dictionary) elements; larger arrays grow as they fill.
  const out = n <= PREALLOCATE_MAX ? new Array<unknown>(n) : [];
  let i = 0;
  try {
    for (; i < n; i++) out[i] = readValue(r, depth);
  } catch (err) {
    if (err instanceof Failure) err.reversedPath.push(i);
    throw err;
  }
  return out;
}

function readKeyStr(r: Reader, n: number, at: number): string {
  if (n > r.end - r.pos) fail(at, `key of ${n} bytes exceeds the remaining ${r.end - r.pos} bytes`);
  const p = r.pos;
  r.pos = p + n;
  const s = decodeKey(r.bytes, p, p + n);
  if (s === undefined) fail(at, "key is not valid UTF-8");
  return s;
}

function readKey(r: Reader): string {
  if (++r.items === r.nextProgress) progress(r);
  const at = r.pos;
  if (at >= r.end) fail(at, "truncated input: expected a map key");
  const c = r.bytes[at]!;
  r.pos = at + 1;
  if (c >= 0xa0 && c < 0xc0) return readKeyStr(r, c & 0x1f, at);
  if (c === 0xd9) return readKeyStr(r, length(r, 1, at), at);
  if (c === 0xda) return readKeyStr(r, length(r, 2, at), at);
  if (c === 0xdb) return readKeyStr(r, length(r, 4, at), at);
  return fail(at, `map key must be a string, found marker ${hex(c)}`);
}

function readMap(r: Reader, n: number, depth: number, at: number): Record<string, unknown> {
  // Every entry takes at least two bytes (key and value).
  if (n > (r.end - r.pos) / 2) fail(at, `map of ${n} entries exceeds the remaining ${r.end - r.pos} bytes`);
  const out: Record<string, unknown> = {};
  let key: string | undefined;
  try {
    for (let i = 0; i < n; i++) {
      key = undefined;
      const keyAt = r.pos;
      key = readKey(r);
      // The error path ends in the key itself (cut to a readable length by formatPath).
      if (Object.hasOwn(out, key)) fail(keyAt, "duplicate key");
      if (key === "__proto__") {
        // An own data property, as JSON.parse makes it; assignment would replace the object's prototype instead.
        Object.defineProperty(out, key, {
          value: readValue(r, depth),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = readValue(r, depth);
    }
  } catch (err) {
    if (err instanceof Failure && key !== undefined) err.reversedPath.push(key);
    throw err;
  }
  return out;
}

/** Decode the value at `r.pos`; `depth` is the number of containers around it. */
function readValue(r: Reader, depth: number): unknown {
  if (++r.items === r.nextProgress) progress(r);
  const at = r.pos;
  if (at >= r.end) fail(at, "truncated input: expected a value");
  if (depth > MAX_DEPTH) fail(at, `value nested deeper than ${MAX_DEPTH} levels`);
  const c = r.bytes[at]!;
  r.pos = at + 1;
  if (c < 0x80) return c;
  if (c >= 0xe0) return c - 0x100;
  if (c < 0x90) return readMap(r, c & 0x0f, depth + 1, at);
  if (c < 0xa0) return readArray(r, c & 0x0f, depth + 1, at);
  if (c < 0xc0) return readStr(r, c & 0x1f, at);
  const v = r.view;
  switch (c) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(r, length(r, 1, at), at);
    case 0xc5:
      return readBin(r, length(r, 2, at), at);
    case 0xc6:
      return readBin(r, length(r, 4, at), at);
    case 0xca:
      return readFloat(v.getFloat32(take(r, 4, at)));
    case 0xcb:
      return readFloat(v.getFloat64(take(r, 8, at)));
    case 0xcc:
      return r.bytes[take(r, 1, at)]!;
    case 0xcd:
      return v.getUint16(take(r, 2, at));
    case 0xce:
      return v.getUint32(take(r, 4, at));
    case 0xcf:
      return readU64(r, take(r, 8, at));
    case 0xd0:
      return v.getInt8(take(r, 1, at));
    case 0xd1:
      return v.getInt16(take(r, 2, at));
    case 0xd2:
      return v.getInt32(take(r, 4, at));
    case 0xd3:
      return readI64(r, take(r, 8, at));
    case 0xd9:
      return readStr(r, length(r, 1, at), at);
    case 0xda:
      return readStr(r, length(r, 2, at), at);
    case 0xdb:
      return readStr(r, length(r, 4, at), at);
    case 0xdc:
      return readArray(r, length(r, 2, at), depth + 1, at);
    case 0xdd:
      return readArray(r, length(r, 4, at), depth + 1, at);
    case 0xde:
      return readMap(r, length(r, 2, at), depth + 1, at);
    case 0xdf:
      return readMap(r, length(r, 4, at), depth + 1, at);
    case 0xc1:
      return fail(at, "byte 0xc1 is never used in MessagePack");
    default:
      // 0xc7-0xc9 (ext 8/16/32) and 0xd4-0xd8 (fixext 1-16): msgpackr and others use them for dates, sets, maps,
      // regexps, errors, typed arrays, `undefined` and shared or cyclic references, none of which is plain data.
      return fail(at, `MessagePack extension types are not accepted (marker ${hex(c)}${extType(r, c, at)})`);
  }
}

/** ", type N" for an extension marker when its type byte is present (for the error message only). */
function extType(r: Reader, c: number, at: number): string {
  const typeAt = at + (c >= 0xd4 ? 1 : c === 0xc7 ? 2 : c === 0xc8 ? 3 : 5);
  return typeAt < r.end ? `, type ${r.view.getInt8(typeAt)}` : "";
}

/**
 * Decode exactly one MessagePack value from `bytes` (which may be a view of guest memory; nothing returned aliases
 * it). Throws MsgpackDecodeError for anything outside the accepted subset, for truncated input and trailing bytes;
 * an exception thrown by `onProgress` propagates unchanged.
 */
export function decode(bytes: Uint8Array, options?: DecodeOptions): unknown {
  const every = options?.progressEvery ?? DEFAULT_PROGRESS_EVERY;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new RangeError(`progressEvery must be a positive integer, got ${every}`);
  }
  const r = new Reader(bytes, every, options?.onProgress);
  try {
    const value = readValue(r, 0);
    if (r.pos !== r.end) fail(r.pos, `${r.end - r.pos} trailing bytes after the value`);
    // A last report for the items since the previous one, so a caller charging per item charges them all.
    if (r.onProgress !== undefined && r.items > r.nextProgress - r.every) r.onProgress(r.items);
    return value;
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    throw new MsgpackDecodeError(
      err.offset,
      formatPath(options?.path, err.reversedPath.reverse()),
      err.reason,
    );
  }
}
