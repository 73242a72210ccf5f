// "Where the time goes" (bench/time-breakdown.ts): frames of a V8 CPU profile are put into the steps of a call,
// a frame without a step of its own counts for its nearest caller's, the bench's preparation is left out, and the
// overhead section's table names each step with its share.
import { describe, expect, it } from "vitest";
import { breakdownMarkdown } from "../../../bench/breakdown-cases.js";
import { type CpuProfile, stepOfFrame, summariseProfile } from "../../../bench/time-breakdown.js";

const ROOT = "file:///repo";
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url },
  children,
});

describe("stepOfFrame", () => {
  it("puts the host's modules into their steps", () => {
    expect(stepOfFrame("encode", `${ROOT}/src/hosts/wasm/abi/msgpack.ts`)).toBe("encode");
    expect(stepOfFrame("encodePayload", `${ROOT}/src/hosts/wasm/engine.ts`)).toBe("encode");
    expect(stepOfFrame("writeCharged", `${ROOT}/src/hosts/wasm/abi/host-functions.ts`)).toBe("copy in");
    expect(stepOfFrame("wasm-function[12]", "wasm://wasm/004e10fe")).toBe("guest work");
    expect(stepOfFrame("charge", `${ROOT}/src/hosts/wasm/meter/runtime.ts`)).toBe("fuel and deadline checks");
    expect(stepOfFrame("result_set", `${ROOT}/src/hosts/wasm/abi/host-functions.ts`)).toBe("copy out");
    expect(stepOfFrame("readMap", `${ROOT}/src/hosts/wasm/abi/decode.ts`)).toBe("decode");
    expect(stepOfFrame("resultFromWire", `${ROOT}/src/hosts/wasm/abi/result.ts`)).toBe("validation");
    expect(stepOfFrame("filterExtensions", `${ROOT}/src/core/extensions/filter.ts`)).toBe("validation");
    expect(stepOfFrame("execute", `${ROOT}/src/core/executor/index.ts`)).toBe("pipeline and merge");
    expect(stepOfFrame("(garbage collector)", "")).toBe("garbage collection");
  });

  it("leaves builtins and helpers to their caller, and the bench's preparation out", () => {
    expect(stepOfFrame("encodeInto", "node:internal/encoding")).toBeUndefined();
    expect(stepOfFrame("", "")).toBeUndefined();
    expect(stepOfFrame("freshCopy", `${ROOT}/bench/harness.ts`)).toBe("excluded");
    expect(stepOfFrame("(idle)", "")).toBe("excluded");
  });
});

describe("summariseProfile", () => {
  // root → execute (core) → encode (msgpack) → encodeInto (builtin); root → wasm; root → freshCopy → builtin
  const profile: CpuProfile = {
    nodes: [
      frame(1, "(root)", "", [2, 5, 6, 8]),
      frame(2, "execute", `${ROOT}/src/core/executor/index.ts`, [3]),
      frame(3, "encode", `${ROOT}/src/hosts/wasm/abi/msgpack.ts`, [4]),
      frame(4, "encodeInto", "node:internal/encoding"),
      frame(5, "wasm-function[1]", "wasm://wasm/00"),
      frame(6, "freshCopy", `${ROOT}/bench/harness.ts`, [7]),
      frame(7, "entries", ""),
      frame(8, "(garbage collector)", ""),
    ],
    samples: [2, 3, 4, 4, 5, 5, 5, 5, 6, 7, 7, 8, 8, 8],
  };

  it("counts each sample for its step, builtins for their caller's, preparation not at all", () => {
    const { shares, samples } = summariseProfile(profile);
    expect(samples).toBe(11);
    expect(shares).toEqual([
      { step: "guest work", share: 4 / 11 },
      { step: "encode", share: 3 / 11 },
      { step: "garbage collection", share: 3 / 11 },
      { step: "pipeline and merge", share: 1 / 11 },
    ]);
  });

  it("an empty profile has no shares", () => {
    expect(summariseProfile({ nodes: [frame(1, "(root)", "")], samples: [] })).toEqual({
      shares: [],
      samples: 0,
    });
  });
});

describe("breakdown table", () => {
  it("has a row per step seen and a share column per case, in %", () => {
    const md = breakdownMarkdown([
      {
        name: "wasm_hook/16KiB",
        samples: 100,
        calls: 10,
        shares: [
          { step: "decode", share: 0.3 },
          { step: "encode", share: 0.7 },
        ],
      },
    ]);
    expect(md).toContain("| step | what it is | wasm_hook/16KiB share | ≈ per call |");
    expect(md).toMatch(/\| encode \| [^|]+ \| 70\.0 % \|/);
    expect(md).toMatch(/\| decode \| [^|]+ \| 30\.0 % \|/);
    expect(md).not.toMatch(/\| guest work \|/);
  });
});

describe("profileCase", () => {
  it("profiles a real loop in this process: samples, shares that add up to one", async () => {
    const { profileCase } = await import("../../../bench/time-breakdown.js");
    const text = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, s: `v${i}` })) });
    const r = await profileCase(
      (t: string) => JSON.parse(t),
      () => text,
      { ms: 100, warmup: 5 },
    );
    expect(r.calls).toBeGreaterThan(0);
    expect(r.samples).toBeGreaterThan(0);
    expect(r.shares.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 9);
  });
});
