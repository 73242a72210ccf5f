// The strict decoder for guest output (src/hosts/wasm/abi/decode.ts): what it accepts, what it refuses, and that
// a refusal names the offset and path. Property tests and the progress hook are in msgpack-decode.property.test.ts.
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { decode, MsgpackDecodeError } from "../../../src/hosts/wasm/abi/decode.js";
import { encode, MsgpackError, decode as reexported } from "../../../src/hosts/wasm/abi/msgpack.js";
import { MAX_DEPTH } from "../../../src/hosts/wasm/abi/msgpack-limits.js";
import { guest, managerFromYaml, tempDir, watBytes, writeGuest } from "../../helpers/wasm-host.js";

const bytes = (...xs: number[]) => new Uint8Array(xs);
const str = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [0xa0 | b.length, ...b];
};

function rejection(input: Uint8Array, path?: string): MsgpackDecodeError {
  try {
    decode(input, path === undefined ? {} : { path });
  } catch (err) {
    if (err instanceof MsgpackDecodeError) return err;
    throw err;
  }
  throw new Error("expected a MsgpackDecodeError, the input was accepted");
}

describe("strict MessagePack decoder: accepted values", () => {
  it.each([
    ["nil", [0xc0], null],
    ["false / true", [0x92, 0xc2, 0xc3], [false, true]],
    ["fixints", [0x93, 0x00, 0x7f, 0xe0], [0, 127, -32]],
    [
      "uint8..uint32",
      [0x93, 0xcc, 0xff, 0xcd, 0xff, 0xff, 0xce, 0xff, 0xff, 0xff, 0xff],
      [255, 65535, 2 ** 32 - 1],
    ],
    ["int8..int32", [0x93, 0xd0, 0x80, 0xd1, 0x80, 0x00, 0xd2, 0x80, 0, 0, 0], [-128, -32768, -(2 ** 31)]],
    ["uint64 2^53-1 is a number", [0xcf, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2 ** 53 - 1],
    ["uint64 2^53 is a bigint", [0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0], 2n ** 53n],
    ["uint64 max", [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2n ** 64n - 1n],
    ["int64 -(2^53-1) is a number", [0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 0x01], -(2 ** 53 - 1)],
    ["int64 -2^53 is a bigint", [0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 0], -(2n ** 53n)],
    ["int64 min", [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], -(2n ** 63n)],
    ["small uint64 is a number", [0xcf, 0, 0, 0, 0, 0, 0, 0, 5], 5],
    ["float32", [0xca, 0x3f, 0xc0, 0x00, 0x00], 1.5],
    ["float64 NaN", [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], Number.NaN],
    ["float64 -Infinity", [0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0], Number.NEGATIVE_INFINITY],
    [
      "str8 / str16 / str32",
      [0x93, 0xd9, 1, 0x61, 0xda, 0, 1, 0x62, 0xdb, 0, 0, 0, 1, 0x63],
      ["a", "b", "c"],
    ],
    ["utf-8 incl. astral and a leading BOM", str("\ufeffé€😀"), "\ufeffé€😀"],
    ["map16 / array16", [0xde, 0, 1, ...str("k"), 0xdc, 0, 1, 0x01], { k: [1] }],
  ])("%s", (_, input, expected) => {
    expect(decode(bytes(...input))).toStrictEqual(expected);
  });

  it("-0 decodes as 0 (the encoder writes it as the integer 0; JSON has no -0)", () => {
    expect(Object.is(decode(bytes(0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0)), 0)).toBe(true);
  });

  it("bin is a fresh Uint8Array copy, never a view of the input", () => {
    const input = Buffer.from([0xc4, 3, 1, 2, 3]);
    const out = decode(input) as Uint8Array;
    expect(out.constructor).toBe(Uint8Array);
    expect(out.buffer).not.toBe(input.buffer);
    input[2] = 99;
    expect([...out]).toEqual([1, 2, 3]);
  });

  it("msgpack.ts re-exports the same decoder", () => {
    expect(reexported).toBe(decode);
  });
});

describe("strict MessagePack decoder: refusals", () => {
  it.each([
    ["fixext 1", [0xd4, 0x01, 0x00]],
    ["fixext 2", [0xd5, 0x01, 0x00, 0x00]],
    ["fixext 4 (timestamp)", [0xd6, 0xff, 0, 0, 0, 0]],
    ["fixext 8", [0xd7, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]],
    ["fixext 16", [0xd8, 0x01, ...new Array(16).fill(0)]],
    ["ext 8", [0xc7, 0x01, 0x05, 0x00]],
    ["ext 16", [0xc8, 0x00, 0x01, 0x05, 0x00]],
    ["ext 32", [0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00]],
    ["ext 8, truncated", [0xc7]],
  ])("every extension type: %s", (_, input) => {
    expect(rejection(bytes(...input)).message).toMatch(/extension types are not accepted/);
    expect(rejection(bytes(0x91, ...input)).path).toBe("[0]");
  });

  const more = new Packr({ moreTypes: true, useBigIntExtension: true });
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic["self"] = cyclic;
  it.each([
    ["Set", () => more.pack(new Set([1]))],
    ["RegExp", () => more.pack(/a/g)],
    ["Error", () => more.pack(new Error("x"))],
    ["Date", () => more.pack(new Date(0))],
    ["BigInt beyond 64 bits", () => more.pack(2n ** 70n)],
    ["Int32Array", () => more.pack(new Int32Array([1, 2]))],
    ["undefined", () => new Packr().pack(undefined)],
    ["records", () => new Packr({ useRecords: true }).pack({ a: 1, b: [{ a: 2 }] })],
    ["structuredClone cyclic object", () => new Packr({ structuredClone: true }).pack(cyclic)],
  ])("msgpackr's %s", (_, pack) => {
    expect(rejection(pack()).message).toMatch(/extension types are not accepted/);
  });

  it("msgpackr's Map with a non-string key", () => {
    expect(rejection(new Packr().pack(new Map([[1, 2]]))).message).toMatch(/map key must be a string/);
  });

  it.each([
    ["int", [0x81, 0x01, 0xc0]],
    ["nil", [0x81, 0xc0, 0xc0]],
    ["array", [0x81, 0x90, 0xc0]],
    ["bin", [0x81, 0xc4, 0x01, 0x61, 0xc0]],
  ])("a non-string map key (%s)", (_, input) => {
    expect(rejection(bytes(...input)).message).toMatch(/map key must be a string/);
  });

  it.each([
    ["a", [0x82, ...str("a"), 1, ...str("a"), 2]],
    ["__proto__", [0x82, ...str("__proto__"), 0x80, ...str("__proto__"), 0x80]],
    ["an integer-like key", [0x82, ...str("1"), 1, ...str("1"), 2]],
    ["a long key", [0x82, ...str("x".repeat(20)), 1, ...str("x".repeat(20)), 2]],
  ])("a duplicate key (%s)", (_, input) => {
    const err = rejection(bytes(...input), "m");
    expect(err.reason).toBe("duplicate key");
    // The path ends in the key: `m.a`, `m.__proto__`, `m["1"]`, `m.xxxx…`.
    expect(err.path).toMatch(/^m(\.|\[")/);
    expect(err.offset).toBe(1 + (input.length - 1) / 2);
  });

  it("a hostile key cannot flood or forge the error message", () => {
    const key = `a\nfake: error ${"x".repeat(5000)}`;
    const err = rejection(bytes(0x82, ...encode(key), 1, ...encode(key), 2));
    expect(err.reason).toBe("duplicate key");
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).not.toContain("\n");
  });

  it("inherited names are not mistaken for duplicates", () => {
    const v = decode(bytes(0x82, ...str("toString"), 1, ...str("constructor"), 2));
    expect(v).toStrictEqual({ toString: 1, constructor: 2 });
  });

  it.each([
    ["a lone continuation byte", [0x80]],
    ["an overlong form", [0xc0, 0x80]],
    ["a surrogate", [0xed, 0xa0, 0x80]],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a cut sequence", [0xe2, 0x82]],
    ["0xff", [0xff]],
  ])("invalid UTF-8: %s, short and long, as value and as key", (_, bad) => {
    for (const body of [bad, [...new Array(20).fill(0x61), ...bad]]) {
      const s = [0xd9, body.length, ...body];
      expect(rejection(bytes(...s)).message).toMatch(/not valid UTF-8/);
      expect(rejection(bytes(0x81, ...s, 0xc0)).message).toMatch(/not valid UTF-8/);
    }
  });

  it("trailing bytes, 0xc1, empty input", () => {
    expect(rejection(bytes(0x01, 0x02)).message).toMatch(/1 trailing bytes/);
    expect(rejection(bytes(0x91, 0xc1)).message).toMatch(/0xc1 is never used/);
    expect(rejection(bytes()).message).toMatch(/truncated input/);
  });

  it("every strict prefix of a valid encoding is truncated input", () => {
    const full = encode({
      a: [1, 300, 70000, 2 ** 40, -5, -200, 1.5, "text", new Uint8Array(3)],
      b: { c: null },
    });
    for (let n = 0; n < full.length; n++)
      expect(() => decode(full.subarray(0, n))).toThrow(MsgpackDecodeError);
  });

  it("a __proto__ key is an own data property and changes no prototype", () => {
    const input = bytes(0x81, ...str("__proto__"), 0x81, ...str("polluted"), 0xc3);
    const v = decode(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, "__proto__")).toBe(true);
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(v["polluted"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(decode(encode(v))).toStrictEqual(v);
  });

  it("an error names the byte offset and the path", () => {
    const input = bytes(
      0x81,
      ...str("modified_payload"),
      0x81,
      ...str("args"),
      0x94,
      1,
      2,
      3,
      0xd4,
      0x00,
      0x00,
    );
    const err = rejection(input, "result");
    expect(err.path).toBe("result.modified_payload.args[3]");
    expect(err.offset).toBe(input.length - 3);
    expect(err.message).toBe(
      `result.modified_payload.args[3]: MessagePack extension types are not accepted (marker 0xd4, type 0) (at byte ${input.length - 3})`,
    );
    expect(rejection(bytes(0x81, ...str("a b\n"), 0xc1), "error").path).toBe('error["a b\\n"]');
  });
});

describe("strict MessagePack decoder: limits", () => {
  // The deepest value (`leaf`: a scalar or an empty container) sits inside `depth` arrays or maps.
  const nestedArrays = (depth: number, leaf: number[]) => bytes(...new Array(depth).fill(0x91), ...leaf);
  const nestedMaps = (depth: number, leaf: number[]) =>
    bytes(...Array.from({ length: depth }, () => [0x81, ...str("k")]).flat(), ...leaf);

  it.each([
    ["arrays, a scalar leaf", nestedArrays, [0x01]],
    ["arrays, an empty-array leaf", nestedArrays, [0x90]],
    ["maps, a scalar leaf", nestedMaps, [0x01]],
    ["maps, an empty-map leaf", nestedMaps, [0x80]],
  ])(
    "%s: depth MAX_DEPTH is accepted and re-encodable, MAX_DEPTH + 1 is refused by both",
    (_, build, leaf) => {
      expect(MAX_DEPTH).toBe(512);
      const ok = decode(build(MAX_DEPTH, leaf));
      expect(decode(encode(ok))).toStrictEqual(ok);
      expect(rejection(build(MAX_DEPTH + 1, leaf)).message).toMatch(/nested deeper than 512 levels/);
      // The encoder refuses the same value, so the decoder never hands on something it could not write again.
      expect(() => encode(Array.isArray(ok) ? [ok] : { k: ok })).toThrow(MsgpackError);
    },
  );

  // Records the sizes the decoder asks of the Array and Uint8Array constructors during `fn`.
  function largestAllocation(fn: () => void): number {
    let largest = 0;
    const saved = { Array: globalThis.Array, Uint8Array: globalThis.Uint8Array };
    const spy = <T extends object>(ctor: T): T =>
      new Proxy(ctor, {
        construct(target, args, newTarget) {
          if (typeof args[0] === "number") largest = Math.max(largest, args[0]);
          return Reflect.construct(target as never, args, newTarget);
        },
      });
    globalThis.Array = spy(saved.Array);
    globalThis.Uint8Array = spy(saved.Uint8Array);
    try {
      fn();
    } finally {
      globalThis.Array = saved.Array;
      globalThis.Uint8Array = saved.Uint8Array;
    }
    return largest;
  }

  it("the allocation spy sees the decoder's allocations", () => {
    expect(largestAllocation(() => decode(bytes(0xdc, 0, 20, ...new Array(20).fill(1))))).toBe(20);
    expect(largestAllocation(() => decode(bytes(0xc4, 30, ...new Array(30).fill(1))))).toBe(30);
  });

  it.each([
    ["array32 of 2^32-1 elements", [0xdd, 0xff, 0xff, 0xff, 0xff], /array of 4294967295 elements exceeds/],
    ["map32 of 2^32-1 entries", [0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0], /map of 4294967295 entries exceeds/],
    ["str32 of 4 GiB", [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], /string of 4294967295 bytes exceeds/],
    ["bin32 of 4 GiB", [0xc6, 0xff, 0xff, 0xff, 0xff, 0x61], /binary of 4294967295 bytes exceeds/],
    [
      "array16 promising 3 elements, holding 2",
      [0xdc, 0x00, 0x03, 0x01, 0x02],
      /array of 3 elements exceeds/,
    ],
    ["map of 2 entries in 3 bytes", [0x82, 0xa0, 0x01, 0xa0], /map of 2 entries exceeds/],
  ])("a lying length is refused before allocating: %s", (_, input, message) => {
    const sizes = largestAllocation(() => {
      expect(rejection(bytes(...input)).message).toMatch(message);
    });
    expect(sizes).toBeLessThan(16);
  });
});

describe("strict MessagePack decoder: through result_set and error_set", () => {
  // A guest handing `bytes` to `call` (result_set or error_set) and returning `status`.
  async function run(call: "result_set" | "error_set", input: Uint8Array, status: number) {
    const dir = await tempDir();
    await writeGuest(
      dir,
      "g.wasm",
      guest(`(data (i32.const 64) "${watBytes(input)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $${call} (i32.const 64) (i32.const ${input.length}))) (i32.const ${status}))`),
    );
    const m = await managerFromYaml(
      dir,
      "plugins:\n  - { name: g, kind: wasm://g.wasm, hooks: [tool_pre_invoke], on_error: ignore }\n",
    );
    return m.invoke("tool_pre_invoke", { name: "t" });
  }

  it("an extension type in a result is an abi_violation naming the path", async () => {
    const input = bytes(
      0x81,
      ...str("modified_payload"),
      0x81,
      ...str("args"),
      0x92,
      1,
      0xd6,
      0xff,
      0,
      0,
      0,
      0,
    );
    const r = await run("result_set", input, 0);
    expect(r.errors[0]).toMatchObject({ code: "abi_violation" });
    expect(r.errors[0]?.message).toContain(
      "result_set: not a valid MessagePack value (result.modified_payload.args[1]: MessagePack extension types",
    );
  });

  it("a duplicate key in an error is an abi_violation naming the path", async () => {
    const input = bytes(0x82, ...str("message"), ...str("a"), ...str("message"), ...str("b"));
    const r = await run("error_set", input, 1);
    expect(r.errors[0]).toMatchObject({ code: "abi_violation" });
    expect(r.errors[0]?.message).toContain(
      "error_set: not a valid MessagePack value (error.message: duplicate key (at byte 11))",
    );
  });
});
