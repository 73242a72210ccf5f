// Without a Rust toolchain the native_rust cases are reported missing (and, by bench/flags.ts, fail the run
// unless --skip-rust): the bench's Rust runner reads CARGO and RUSTC when it is loaded, so pointing them at files
// that do not exist stands for a machine without the toolchain.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

it("a machine without cargo gets a reason, no cases, and a failing exit code", async () => {
  process.env["CARGO"] = join(tmpdir(), "cpex-no-such-cargo");
  process.env["RUSTC"] = join(tmpdir(), "cpex-no-such-rustc");
  const { runNativeRust } = await import("../../../bench/native-rust.js");
  const { results } = await import("../../../bench/harness.js");
  const { rustExitCode } = await import("../../../bench/flags.js");
  const run = await runNativeRust({ quick: true }, [{ plugin: "url_guard", size: 1024, label: "1KiB" }]);
  expect(run.missing).toMatch(/Rust toolchain not found/);
  expect(results()).toEqual([]);
  expect(rustExitCode(run.missing, false)).toBe(1);
  expect(rustExitCode(run.missing, true)).toBe(0);
});
