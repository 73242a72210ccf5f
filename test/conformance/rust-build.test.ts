// The Rust guest SDK and the example plugins: `cargo test` of the workspace (native build, vectors through the
// SDK's harness) with the Debian toolchain. A missing toolchain is a failure.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("Rust SDK and example plugins", () => {
  it("cargo test passes natively for the SDK and every example plugin", () => {
    const out = execFileSync("/usr/bin/cargo", ["test", "--workspace"], {
      cwd: root,
      env: {
        ...process.env,
        RUSTC: "/usr/bin/rustc",
        RUSTDOC: "/usr/bin/rustdoc",
        CARGO_HOME: join(root, "target/cargo-home"),
      },
      encoding: "utf8",
      stdio: "pipe",
    });
    const results = [...out.matchAll(/test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored/g)];
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r[1] === "ok" && r[3] === "0" && r[4] === "0")).toBe(true);
    expect(results.reduce((n, r) => n + Number(r[2]), 0)).toBeGreaterThanOrEqual(2);
  }, 600_000);
});
