// The Rust guest SDK and the example plugins: `cargo test` of the workspace (native build, vectors through the
// SDK's harness) with the Debian toolchain. A missing toolchain is a failure. cargo runs in a child process the
// test awaits: a build from an empty target folder takes minutes, and a synchronous call would block this
// worker's event loop all that time (docs/testing.md).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeChild, REPO_ROOT, runChild } from "../helpers/run-child.js";

// A rustup toolchain without wasm targets may come first on PATH: Debian's, unless CARGO/RUSTC say otherwise.
const CARGO = process.env["CARGO"] || "/usr/bin/cargo";
const RUSTC = process.env["RUSTC"] || "/usr/bin/rustc";
const RUSTDOC = process.env["RUSTDOC"] || "/usr/bin/rustdoc";

describe("Rust SDK and example plugins", () => {
  it("cargo test passes natively for the SDK and every example plugin", async () => {
    const r = await runChild(CARGO, ["test", "--workspace"], {
      env: { ...process.env, RUSTC, RUSTDOC, CARGO_HOME: join(REPO_ROOT, "target/cargo-home") },
      timeoutMs: 1_140_000,
    }).catch((e: Error) => {
      throw new Error(
        `${e.message}: the Debian Rust toolchain is missing; install it with: bash scripts/provision.sh`,
      );
    });
    const why = describeChild("cargo test --workspace", r);
    expect(r.code, why).toBe(0);
    const results = [...r.stdout.matchAll(/test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored/g)];
    expect(results.length, why).toBeGreaterThan(0);
    expect(results.every((m) => m[1] === "ok" && m[3] === "0" && m[4] === "0")).toBe(true);
    expect(results.reduce((n, m) => n + Number(m[2]), 0)).toBeGreaterThanOrEqual(2);
  }, 1_200_000);
});
