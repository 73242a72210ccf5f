// `cpex new`'s scaffold without cargo: the renaming, the standalone Cargo.toml (vendored SDK, release profile,
// own workspace), the offline cargo config, and the names and folders it refuses. Also the colour switch.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crateName } from "../../../src/cli/author-commands.js";
import { useColour } from "../../../src/cli/output.js";
import { pascalCase, scaffold } from "../../../src/cli/scaffold.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cpex-new-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("cpex new scaffold", () => {
  it("renames the template throughout and vendors the SDK", async () => {
    const made = await scaffold("rate_guard", dir);
    const read = (rel: string) => readFile(join(made.dir, rel), "utf8");
    const toml = await read("Cargo.toml");
    expect(crateName(toml)).toBe("rate_guard");
    expect(toml).toContain('cpex-sdk = { path = "cpex-sdk" }');
    expect(toml).toMatch(/\[workspace\]/);
    expect(toml).toMatch(
      /\[profile\.release\][^[]*opt-level = 3[^[]*lto = true[^[]*panic = "abort"[^[]*strip = true/,
    );
    expect(await read(".cargo/config.toml")).toContain('directory = "/usr/share/cargo/registry"');
    const lib = await read("src/lib.rs");
    expect(lib).toContain("pub struct RateGuard");
    expect(lib).toContain("rate_guard.invalid_config");
    expect(lib).not.toMatch(/my_plugin|MyPlugin/);
    expect(await read("tests/vectors.rs")).toContain("use rate_guard::RateGuard;");
    expect(JSON.parse(await read("vectors.json")).plugin).toBe("rate_guard");
    expect(crateName(await read("cpex-sdk/Cargo.toml"))).toBe("cpex-sdk");
    expect(made.files).toContain("cpex-sdk/src/lib.rs");
  });

  it("refuses names that are not crate and file names, and an existing folder", async () => {
    await expect(scaffold("My-Plugin", dir)).rejects.toThrow("invalid plugin name 'My-Plugin'");
    await expect(scaffold("9lives", dir)).rejects.toThrow("invalid plugin name");
    await expect(scaffold("rate_guard", dir)).rejects.toThrow("already exists");
  });

  it("pascalCase joins the parts of a snake_case name", () => {
    expect(pascalCase("a_b_cd")).toBe("ABCd");
    expect(pascalCase("guard")).toBe("Guard");
  });
});

describe("colours", () => {
  it("only on a TTY, and never with NO_COLOR set", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    const saved = process.env["NO_COLOR"];
    try {
      delete process.env["NO_COLOR"];
      expect(useColour(tty)).toBe(true);
      expect(useColour(pipe)).toBe(false);
      process.env["NO_COLOR"] = "1";
      expect(useColour(tty)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env["NO_COLOR"];
      else process.env["NO_COLOR"] = saved;
    }
  });
});
