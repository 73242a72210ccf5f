// The command line of `npm run bench` (bench/flags.ts): what each flag selects, that mistakes are errors rather
// than silently ignored, and the rule that missing native_rust cases fail the run unless --skip-rust is given.
import { describe, expect, it } from "vitest";
import { parseFlags, rustExitCode, sectionsToRun } from "../../../bench/flags.js";

describe("npm run bench flags", () => {
  it("defaults to every section, no JSON, Rust required", () => {
    const f = parseFlags([]);
    expect(f).toEqual({ quick: false, report: false, skipRust: false, noDocs: false, names: [] });
    expect(sectionsToRun(f)).toEqual([]);
  });

  it("--quick and --report run the overhead section alone", () => {
    expect(parseFlags(["--quick"]).quick).toBe(true);
    expect(parseFlags(["--report"]).report).toBe(true);
    expect(sectionsToRun(parseFlags(["--quick", "core"]))).toEqual(["overhead"]);
    expect(sectionsToRun(parseFlags(["--report"]))).toEqual(["overhead"]);
  });

  it("--no-docs measures a section without touching the docs (a run on another Node version)", () => {
    const f = parseFlags(["overhead", "--no-docs", "--json", "b22.json"]);
    expect(f).toMatchObject({ noDocs: true, json: "b22.json", names: ["overhead"] });
  });

  it("names select sections", () => {
    expect(sectionsToRun(parseFlags(["core", "host"]))).toEqual(["core", "host"]);
  });

  it("--json takes the next argument as its file", () => {
    const f = parseFlags(["--quick", "--json", "out.json", "--skip-rust"]);
    expect(f.json).toBe("out.json");
    expect(f.skipRust).toBe(true);
    expect(f.names).toEqual([]);
  });

  it("--json without a file is an error, also when an option follows it", () => {
    expect(() => parseFlags(["--json"])).toThrow(/--json needs a file/);
    expect(() => parseFlags(["--json", "--quick"])).toThrow(/--json needs a file/);
  });

  it("an unknown option is an error", () => {
    expect(() => parseFlags(["--fast"])).toThrow(/unknown option --fast/);
    expect(() => parseFlags(["--quick", "--skip_rust"])).toThrow(/unknown option --skip_rust/);
  });
});

describe("native_rust missing", () => {
  it("fails the run unless --skip-rust is given", () => {
    expect(rustExitCode("Rust toolchain not found", false)).toBe(1);
    expect(rustExitCode("Rust toolchain not found", true)).toBe(0);
  });

  it("does not fail a run that has them", () => {
    expect(rustExitCode(undefined, false)).toBe(0);
    expect(rustExitCode(undefined, true)).toBe(0);
  });
});
