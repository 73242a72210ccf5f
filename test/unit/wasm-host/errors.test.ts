import { describe, expect, it } from "vitest";
import {
  captureLogger,
  constResultGuest,
  guest,
  managerFromYaml,
  tempDir,
  writeGuest,
} from "../../helpers/wasm-host.js";

const one = (file: string, extra = "") => `plugins:
  - name: g
    kind: wasm://${file}
    hooks: [tool_pre_invoke]
    on_error: ignore
${extra}`;

async function run(wat: string, extra = "") {
  const dir = await tempDir();
  await writeGuest(dir, "g.wasm", wat);
  const m = await managerFromYaml(dir, one("g.wasm", extra));
  return { m, r: await m.invoke("tool_pre_invoke", { name: "t" }) };
}

// A counter in a global: survives across calls, reset when the instance is recycled.
const counting = (body: string) =>
  guest(`
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 2000) "\\81\\b0modified_payload")
  (func (export "cpex_handle") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    ${body}
    ;; result {modified_payload: calls}
    (i32.store8 (i32.const 2018) (global.get $calls))
    (drop (call $result_set (i32.const 2000) (i32.const 19)))
    (i32.const 0))`);

describe("wasm host: typed errors", () => {
  it("a trap is wasm_trap; the instance is recycled and the next call works with fresh state", async () => {
    const { m, r } = await run(
      counting(`(if (i32.eq (global.get $calls) (i32.const 2)) (then unreachable))`),
    );
    expect(r.modifiedPayload).toBe(1);
    const r2 = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r2.errors).toHaveLength(1);
    expect(r2.errors[0]).toMatchObject({ pluginName: "g", code: "wasm_trap" });
    expect(r2.errors[0]?.message).toMatch(/unreachable/);
    const r3 = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r3.errors).toEqual([]);
    expect(r3.modifiedPayload).toBe(1); // fresh instance: the counter restarted
  });

  it("state persists across calls while nothing goes wrong", async () => {
    const { m } = await run(counting(""));
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toBe(3);
  });

  it("stack overflow (infinite recursion) ends as wasm_trap", async () => {
    const { r } = await run(
      guest(`(func $f (param i32) (result i32) (call $f (i32.add (local.get 0) (i32.const 1))))
      (func (export "cpex_handle") (result i32) (call $f (i32.const 0)))`),
    );
    expect(r.errors[0]).toMatchObject({ code: "wasm_trap" });
    expect(r.errors[0]?.message).toMatch(/call stack/i);
  });

  it.each([
    ["negative pointer", "(drop (call $payload_read (i32.const -8) (i32.const 1000)))"],
    ["past the end", "(drop (call $payload_read (i32.const 131070) (i32.const 1000)))"],
    ["overflowing length", "(drop (call $result_set (i32.const 16) (i32.const -1)))"],
    ["log outside memory", "(drop (call $log (i32.const 2) (i32.const 131000) (i32.const 4096)))"],
  ])("out-of-range pointer (%s) is abi_violation", async (_, body) => {
    const { r } = await run(guest(`(func (export "cpex_handle") (result i32) ${body} (i32.const 0))`));
    expect(r.errors[0]?.code).toMatch(/abi_violation|result_too_large/);
  });

  it("result_set twice is abi_violation", async () => {
    const { r } = await run(
      guest(`(data (i32.const 64) "\\80")
      (func (export "cpex_handle") (result i32)
        (drop (call $result_set (i32.const 64) (i32.const 1)))
        (drop (call $result_set (i32.const 64) (i32.const 1)))
        (i32.const 0))`),
    );
    expect(r.errors[0]).toMatchObject({ code: "abi_violation" });
    expect(r.errors[0]?.message).toMatch(/twice/);
  });

  it.each([
    ["garbage bytes", "\\c1\\c1"],
    ["not a map", "\\93\\01\\02\\03"],
    ["truncated", "\\82\\a1\\61"],
  ])("malformed result (%s) is abi_violation", async (_, data) => {
    const { r } = await run(
      guest(`(data (i32.const 64) "${data}")
      (func (export "cpex_handle") (result i32) (drop (call $result_set (i32.const 64) (i32.const ${data.length / 3}))) (i32.const 0))`),
    );
    expect(r.errors[0]).toMatchObject({ code: "abi_violation" });
  });

  it("a result of the wrong shape names the field", async () => {
    const { r } = await run(constResultGuest({ continue_processing: "yes" }));
    expect(r.errors[0]).toMatchObject({ code: "abi_violation" });
    expect(r.errors[0]?.message).toContain("result.continue_processing");
    const { r: r2 } = await run(constResultGuest({ violation: { code: "x" } }));
    expect(r2.errors[0]?.message).toContain("result.violation.reason");
    const { r: r3 } = await run(constResultGuest({ modified_extensions: { security: { labels: "pii" } } }));
    expect(r3.errors[0]?.message).toContain("result.modified_extensions");
  });

  it("a result over max_result_bytes is result_too_large", async () => {
    const { r } = await run(
      constResultGuest({ modified_payload: "x".repeat(300) }),
      "    limits: { max_result_bytes: 100 }",
    );
    expect(r.errors[0]).toMatchObject({ code: "result_too_large" });
  });

  it("proc_exit ends the call with proc_exit and the exit code", async () => {
    const { r } = await run(
      guest(`(func (export "cpex_handle") (result i32) (call $exit (i32.const 3)) (i32.const 0))`, {
        extraImports: `(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`,
      }),
    );
    expect(r.errors[0]).toMatchObject({ code: "proc_exit", details: { exit_code: 3 } });
  });

  it("error_set + non-zero status is a plugin error with the guest's code; reserved codes are prefixed", async () => {
    const { encode } = await import("../../../src/hosts/wasm/abi/msgpack.js");
    const { watBytes } = await import("../../helpers/wat.js");
    const mk = (err: unknown) => {
      const b = encode(err);
      return guest(`(data (i32.const 64) "${watBytes(b)}")
        (func (export "cpex_handle") (result i32) (drop (call $error_set (i32.const 64) (i32.const ${b.length}))) (i32.const 7))`);
    };
    const { r } = await run(mk({ message: "bad input", code: "url_guard.invalid_url", details: { at: 3 } }));
    expect(r.errors[0]).toMatchObject({
      code: "url_guard.invalid_url",
      message: "bad input",
      details: { at: 3, status: 7 },
    });
    const { r: r2 } = await run(mk({ message: "sneaky", code: "timeout" }));
    expect(r2.errors[0]?.code).toBe("guest.timeout");
    const { r: r3 } = await run(guest(`(func (export "cpex_handle") (result i32) (i32.const 2))`));
    expect(r3.errors[0]).toMatchObject({ code: "plugin_error", message: "plugin returned status 2" });
  });

  it("error_set followed by a trap (a Rust panic) reports the guest's message on the trap", async () => {
    const { encode } = await import("../../../src/hosts/wasm/abi/msgpack.js");
    const { watBytes } = await import("../../helpers/wat.js");
    const b = encode({ message: "index out of bounds at src/lib.rs:10", code: "panic" });
    const { r } = await run(
      guest(`(data (i32.const 64) "${watBytes(b)}")
        (func (export "cpex_handle") (result i32) (drop (call $error_set (i32.const 64) (i32.const ${b.length}))) unreachable)`),
    );
    expect(r.errors[0]).toMatchObject({
      code: "wasm_trap",
      message: "guest panicked: index out of bounds at src/lib.rs:10",
    });
  });

  it("on_error: fail turns a guest failure into a plugin_error violation", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "t.wasm", guest(`(func (export "cpex_handle") (result i32) unreachable)`));
    const m = await managerFromYaml(
      dir,
      `plugins:\n  - { name: t, kind: wasm://t.wasm, hooks: [tool_pre_invoke] }\n`,
    );
    const r = await m.invoke("tool_pre_invoke", { name: "x" });
    expect(r.continueProcessing).toBe(false);
    expect(r.violation).toMatchObject({ code: "plugin_error", pluginName: "t" });
    expect(r.violation?.details).toMatchObject({ error_code: "wasm_trap" });
  });

  it("log spam past max_log_bytes is dropped and counted, the call succeeds", async () => {
    const logger = captureLogger();
    const dir = await tempDir();
    await writeGuest(
      dir,
      "spam.wasm",
      guest(`(func (export "cpex_handle") (result i32) (local $i i32)
        (loop $l (drop (call $log (i32.const 2) (i32.const 0) (i32.const 100)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
        (i32.const 0))`),
    );
    const m = await managerFromYaml(
      dir,
      `${one("spam.wasm", "    limits: { max_log_bytes: 1000 }")}`,
      {},
      logger,
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors).toEqual([]);
    expect(logger.lines.filter((l) => l.startsWith("info: [wasm:g]"))).toHaveLength(10);
    expect(logger.lines.some((l) => l.includes("990 log message(s) dropped"))).toBe(true);
  });
});
