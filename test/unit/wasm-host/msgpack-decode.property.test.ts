// Property tests of the strict decoder (seeded, deterministic) and its progress hook. The property: whatever the
// decoder accepts is plain data that our encoder writes again and that decodes back deep-equal, and that survives
// JSON unchanged unless it holds one of the stated exceptions (binary, bigints, NaN/±Infinity).
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { decode, MsgpackDecodeError } from "../../../src/hosts/wasm/abi/decode.js";
import { encode } from "../../../src/hosts/wasm/abi/msgpack.js";
import { RandomData } from "../../helpers/random-msgpack.js";

/**
 * Deep equality with prototypes, Uint8Array vs Buffer, and NaN as equal to itself. Not vitest's toStrictEqual: it
 * compares `.constructor`, which the random maps include as an ordinary own key.
 */
function expectSame(actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual).toEqual(expected); // for the diff
  expect.fail("values differ in type or prototype");
}

/** True when `v` holds something JSON cannot carry unchanged. */
function hasJsonException(v: unknown): boolean {
  if (typeof v === "bigint" || v instanceof Uint8Array) return true;
  if (typeof v === "number") return !Number.isFinite(v);
  if (v === null || typeof v !== "object") return false;
  return Object.values(v).some(hasJsonException);
}

/** Only the kinds of value the decoder may return: no undefined, no class instances but Uint8Array. */
function isPlainData(v: unknown): boolean {
  if (v === null || ["boolean", "number", "string", "bigint"].includes(typeof v)) return true;
  if (v instanceof Uint8Array) return v.constructor === Uint8Array;
  if (Array.isArray(v)) return v.every(isPlainData);
  if (typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v).every(isPlainData);
}

/** True when `v` or anything inside it satisfies `pred`. */
function contains(v: unknown, pred: (x: unknown) => boolean): boolean {
  if (pred(v)) return true;
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return false;
  return Object.values(v).some((x) => contains(x, pred));
}

const bigintsAsText = (_: string, x: unknown) => (typeof x === "bigint" ? `${x}n` : x);

function expectRoundTrip(v: unknown): void {
  expect(isPlainData(v)).toBe(true);
  expectSame(decode(encode(v)), v);
  const json = JSON.stringify(v, bigintsAsText);
  expect(typeof json).toBe("string");
  if (!hasJsonException(v)) expectSame(JSON.parse(JSON.stringify(v)), v);
}

// Every item takes at least one byte, so a decode that reports more items than bytes (plus the one it fails on)
// would be looping; the hook turns that into a test failure instead of a hang.
function decodeBounded(bytes: Uint8Array): unknown {
  return decode(bytes, {
    progressEvery: 1,
    onProgress: (items) => {
      if (items > bytes.length + 1) throw new Error(`${items} items from ${bytes.length} bytes`);
    },
  });
}

describe("strict MessagePack decoder: properties", () => {
  it("2500 random values, in random wire forms, decode to themselves and round-trip", () => {
    const rnd = new RandomData(20240611);
    const seen = { bigint: 0, bin: 0, nonFinite: 0, proto: 0, json: 0 };
    for (let i = 0; i < 2500; i++) {
      const value = rnd.value();
      const wire = rnd.wire(value);
      const decoded = decodeBounded(wire);
      expectSame(decoded, value);
      expectRoundTrip(decoded);
      // Our own encoding of the value decodes to it as well.
      expectSame(decode(encode(value)), value);
      if (contains(value, (x) => typeof x === "bigint")) seen.bigint++;
      if (contains(value, (x) => x instanceof Uint8Array)) seen.bin++;
      if (contains(value, (x) => typeof x === "number" && !Number.isFinite(x))) seen.nonFinite++;
      if (contains(value, (x) => x !== null && typeof x === "object" && Object.hasOwn(x, "__proto__")))
        seen.proto++;
      if (!hasJsonException(value)) seen.json++;
    }
    // The generator does produce every exception and the interesting keys, and plain JSON data too.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(50);
  });

  it("5000 mutated encodings: a MsgpackDecodeError or a value that round-trips, nothing else", () => {
    const rnd = new RandomData(77);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = rnd.mutate(rnd.wire(rnd.value()));
      let decoded: unknown;
      try {
        decoded = decodeBounded(bytes);
      } catch (err) {
        if (!(err instanceof MsgpackDecodeError)) throw err;
        expect(err.offset).toBeGreaterThanOrEqual(0);
        expect(err.offset).toBeLessThanOrEqual(bytes.length);
        refused++;
        continue;
      }
      expectRoundTrip(decoded);
      accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });
});

describe("strict MessagePack decoder: progress hook", () => {
  const ints = (n: number) => Array.from({ length: n }, (_, i) => i);
  const array = (n: number) => encode(ints(n));

  it("is called every progressEvery items with the count so far", () => {
    const calls: number[] = [];
    decode(array(9999), { progressEvery: 1000, onProgress: (n) => calls.push(n) });
    // 10 000 items: the array and its 9999 elements.
    expect(calls).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  });

  it("defaults to every 4096 items, reports the rest at the end, and counts map keys", () => {
    const calls: number[] = [];
    decode(array(10_000), { onProgress: (n) => calls.push(n) });
    expect(calls).toEqual([4096, 8192, 10001]);
    const keys: number[] = [];
    const map = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, i]));
    decode(encode(map), { progressEvery: 1, onProgress: (n) => keys.push(n) });
    expect(keys).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("an exception thrown by the hook aborts the decode and propagates unchanged", () => {
    class Deadline extends Error {}
    let calls = 0;
    const stop = new Deadline("deadline passed");
    const run = () =>
      decode(encode({ a: [ints(50_000)] }), {
        path: "result",
        progressEvery: 100,
        onProgress: () => {
          if (++calls === 3) throw stop;
        },
      });
    expect(run).toThrow(stop);
    expect(calls).toBe(3);
  });

  it("refuses a progressEvery that is not a positive integer", () => {
    expect(() => decode(array(1), { progressEvery: 0 })).toThrow(RangeError);
    expect(() => decode(array(1), { progressEvery: 1.5 })).toThrow(RangeError);
  });
});
