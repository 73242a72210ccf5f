import { describe, expect, it } from "vitest";
import { globMatch } from "../../../src/core/routing/index.js";

// Reference semantics via a regular expression (fine for tests; the product avoids regexes built from config).
function reference(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*+/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(text);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("globMatch", () => {
  it("agrees with a regular-expression reference on 20,000 random cases", async () => {
    const rand = rng(42);
    const alphabet = ["a", "b", "_", "*", "?", ".", "*"];
    for (let i = 0; i < 20_000; i++) {
      // Yield now and then: seconds of synchronous work on a loaded machine stall vitest's worker (docs/testing.md).
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
      const p = Array.from(
        { length: Math.floor(rand() * 7) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join("");
      const t = Array.from({ length: Math.floor(rand() * 8) }, () => "ab_."[Math.floor(rand() * 4)]).join("");
      expect(globMatch(p, t), `${JSON.stringify(p)} vs ${JSON.stringify(t)}`).toBe(reference(p, t));
    }
  });

  it("stays linear on adversarial patterns", () => {
    const pattern = `${"a*".repeat(50)}b`;
    const text = "a".repeat(5000);
    expect(globMatch(pattern, text)).toBe(false); // a backtracking regex would take forever here
  });

  it("empty pattern matches only the empty name", () => {
    expect(globMatch("", "")).toBe(true);
    expect(globMatch("", "a")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
  });
});
