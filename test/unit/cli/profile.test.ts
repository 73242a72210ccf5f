// The pieces of `cpex profile`: which field it scales, how it scales it, and the limits it suggests.
import { describe, expect, it } from "vitest";
import { HEADROOM, longestString, scaled, suggestLimits } from "../../../src/cli/profile-command.js";

describe("cpex profile helpers", () => {
  it("finds the longest string, through arrays and objects", () => {
    expect(longestString({ name: "x", args: { a: "short", items: [{ t: "the longest one" }] } })).toEqual({
      path: "args.items[0].t",
      length: 15,
    });
  });

  it("scales the field by repeating its own content and leaves the original alone", () => {
    const payload = { args: { body: "abc" }, name: "n" };
    expect(scaled(payload, "args.body", 7)).toEqual({ args: { body: "abcabca" }, name: "n" });
    expect(payload.args.body).toBe("abc");
    expect(() => scaled(payload, "name2", 4)).toThrow("not a non-empty string");
  });

  it("suggests limits with the stated headroom over the largest figures", () => {
    const limits = suggestLimits([
      { size: 1, fuel: 1_000_000, time_ms: 2, memory_bytes: 1024 * 1024, outcome: "allow" },
      { size: 2, fuel: 4_500_000, time_ms: 10, memory_bytes: 4 * 1024 * 1024, outcome: "allow" },
    ]);
    expect(limits).toEqual({ fuel: 9_000_000, timeout_ms: 10 * HEADROOM.time, memory_mb: 6 });
  });
});
