// The sandbox protects the host: bounded host memory per call, memory.grow past the cap, guest text escaped,
// exact injected clocks, start-up limits apart from per-call limits, and host failures that end the request
// closed without being blamed on the plugin.
import { describe, expect, it } from "vitest";
import { definePlugin, PluginManager } from "../../../src/core/index.js";
import { safeText } from "../../../src/hosts/wasm/abi/text.js";
import { registerWasmHost } from "../../../src/hosts/wasm/index.js";
import { msToNs } from "../../../src/hosts/wasm/wasi/preview1.js";
import {
  captureLogger,
  guest,
  managerFromYaml,
  tempDir,
  watBytes,
  writeGuest,
} from "../../helpers/wasm-host.js";

const one = (file: string, extra = "", onError = "ignore") => `plugins:
  - name: g
    kind: wasm://${file}
    hooks: [tool_pre_invoke]
    on_error: ${onError}
${extra}`;

async function load(wat: string, extra = "", logger = captureLogger(), onError = "ignore") {
  const dir = await tempDir();
  await writeGuest(dir, "g.wasm", wat);
  return managerFromYaml(dir, one("g.wasm", extra, onError), {}, logger);
}

const WASI_WRITE =
  '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))';

describe("host memory is bounded by the plugin's limits", () => {
  it("fd_write gathering 32 x 16 MiB copies only what the log cap admits", async () => {
    const logger = captureLogger();
    // 32 iovecs at 0, each pointing at the same 16 MiB from 65536.
    const iovecs = new Uint8Array(32 * 8);
    const dv = new DataView(iovecs.buffer);
    for (let i = 0; i < 32; i++) {
      dv.setUint32(i * 8, 65536, true);
      dv.setUint32(i * 8 + 4, 16 * 1024 * 1024, true);
    }
    const m = await load(
      guest(
        `(data (i32.const 0) "${watBytes(iovecs)}")
        (func (export "cpex_handle") (result i32)
          (drop (memory.grow (i32.const 256)))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 32) (i32.const 1000)))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 32) (i32.const 1000)))
          (i32.const 0))`,
        { extraImports: WASI_WRITE },
      ),
      "    limits: { memory_mb: 20, max_log_bytes: 65536 }",
      logger,
    );
    const before = process.memoryUsage().rss;
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    const grown = process.memoryUsage().rss - before;
    expect(r.errors).toEqual([]);
    // 1 GiB per call before; now nothing is copied (512 MiB asked for, 64 KiB admitted: both dropped).
    expect(grown).toBeLessThan(128 * 1024 * 1024);
    expect(logger.lines.some((l) => l.includes("2 log message(s) dropped"))).toBe(true);
  });

  it("memory.grow past the cap returns -1 and costs no fuel for the pages it did not grant", async () => {
    const m = await load(
      guest(`(func (export "cpex_handle") (result i32)
        (if (i32.ne (memory.grow (i32.const 60000)) (i32.const -1)) (then unreachable))
        (i32.const 0))`),
      "    limits: { memory_mb: 4, fuel: 1000000 }",
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" }, { trace: true });
    expect(r.errors).toEqual([]);
    expect(Number(r.trace?.[0]?.telemetry?.["fuel_used"])).toBeLessThan(10_000);
  });

  const grow10 = guest(`(func (export "cpex_handle") (result i32)
        (if (i32.eq (memory.grow (i32.const 10)) (i32.const -1)) (then unreachable))
        (i32.const 0))`);

  it("memory.grow within the cap is charged per granted page (the default cpex model)", async () => {
    const m = await load(grow10, "    limits: { memory_mb: 4, fuel: 1000000 }");
    const r = await m.invoke("tool_pre_invoke", { name: "t" }, { trace: true });
    expect(r.errors).toEqual([]);
    expect(Number(r.trace?.[0]?.telemetry?.["fuel_used"])).toBeGreaterThanOrEqual(10 * 4096);
  });

  it("memory.grow costs one unit in the wasmtime model (the memory cap bounds it)", async () => {
    const m = await load(grow10, "    limits: { memory_mb: 4, fuel: 1000000, fuel_model: wasmtime }");
    const r = await m.invoke("tool_pre_invoke", { name: "t" }, { trace: true });
    expect(r.errors).toEqual([]);
    expect(Number(r.trace?.[0]?.telemetry?.["fuel_used"])).toBeLessThan(100);
  });

  it("an unknown fuel_model is a load error naming the key", async () => {
    await expect(load(grow10, "    limits: { fuel_model: wasmer }")).rejects.toThrow(/limits\.fuel_model/);
  });
});

describe("text from a guest is escaped and bounded", () => {
  it("cpex.log: newlines, CR, NUL and ANSI escapes cannot forge lines or drive a terminal", async () => {
    const logger = captureLogger();
    const text = new TextEncoder().encode("ok\n[cpex] host: all plugins passed\r\u001b[31mred\u0000\u202e");
    const m = await load(
      guest(`(data (i32.const 1024) "${watBytes(text)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $log (i32.const 2) (i32.const 1024) (i32.const ${text.length}))) (i32.const 0))`),
      "",
      logger,
    );
    await m.invoke("tool_pre_invoke", { name: "t" });
    const lines = logger.lines.filter((l) => l.includes("[wasm:g]"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      "info: [wasm:g] ok\\n[cpex] host: all plugins passed\\r\\x1bred\\x00\\u{202e}".replace(
        "\\x1bred",
        "\\x1b[31mred",
      ),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it("WASI stdout: each line is its own log line with the plugin's prefix, escaped", async () => {
    const logger = captureLogger();
    const text = new TextEncoder().encode("first\nsecond \u001b[2J\n");
    const iov = new Uint8Array(8);
    new DataView(iov.buffer).setUint32(0, 1024, true);
    new DataView(iov.buffer).setUint32(4, text.length, true);
    const m = await load(
      guest(
        `(data (i32.const 1024) "${watBytes(text)}") (data (i32.const 512) "${watBytes(iov)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $fd_write (i32.const 1) (i32.const 512) (i32.const 1) (i32.const 600))) (i32.const 0))`,
        { extraImports: WASI_WRITE },
      ),
      "",
      logger,
    );
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect(logger.lines.filter((l) => l.includes("[wasm:g]"))).toEqual([
      "info: [wasm:g] first",
      "info: [wasm:g] second \\x1b[2J",
    ]);
  });

  it("guest error messages are escaped and capped; error codes must be identifier-like", async () => {
    const { encode } = await import("../../../src/hosts/wasm/abi/msgpack.js");
    const bytes = encode({ message: `bad\n${"y".repeat(5000)}`, code: "my_code" });
    const m = await load(
      guest(`(data (i32.const 1024) "${watBytes(bytes)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $error_set (i32.const 1024) (i32.const ${bytes.length}))) (i32.const 1))`),
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors[0]?.code).toBe("my_code");
    expect(r.errors[0]?.message.startsWith("bad\\nyyy")).toBe(true);
    expect(r.errors[0]?.message.length).toBeLessThan(1200);
    const badCode = encode({ message: "m", code: "x\ny" });
    const m2 = await load(
      guest(`(data (i32.const 1024) "${watBytes(badCode)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $error_set (i32.const 1024) (i32.const ${badCode.length}))) (i32.const 1))`),
    );
    expect((await m2.invoke("tool_pre_invoke", { name: "t" })).errors[0]?.code).toBe("abi_violation");
  });

  it("a 1 MiB import name is capped in the load error", async () => {
    const dir = await tempDir();
    await writeGuest(
      dir,
      "g.wasm",
      guest("", { extraImports: `(import "cpex" "${"n".repeat(1 << 20)}" (func))` }),
    );
    const err = await managerFromYaml(dir, one("g.wasm")).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/the host provides no such function/);
    expect((err as Error).message.length).toBeLessThan(2000);
  });

  it("safeText escapes backslashes so an escape in the output is always the host's", () => {
    expect(safeText("a\\nb\n", 100)).toBe("a\\\\nb\\n");
    expect(safeText("abcdef", 3)).toBe("abc… [3 more characters]");
  });
});

describe("injected clocks are exact", () => {
  it("milliseconds convert to nanoseconds in integer arithmetic", () => {
    expect(msToNs(1_700_000_000_123)).toBe(1_700_000_000_123_000_000n);
    expect(msToNs(1_764_619_200_999)).toBe(1_764_619_200_999_000_000n);
    expect(msToNs(1.5)).toBe(1_500_000n);
  });

  it("a guest reading clock_time_get sees the injected time to the nanosecond", async () => {
    const dir = await tempDir();
    // {modified_payload: <u64 at 1032>}
    const prefix = new Uint8Array([0x81, 0xb0, ...new TextEncoder().encode("modified_payload"), 0xcf]);
    await writeGuest(
      dir,
      "clock.wasm",
      guest(
        `(data (i32.const 1013) "${watBytes(prefix)}")
        (func (export "cpex_handle") (result i32)
          (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 1040)))
          ;; MessagePack u64 is big-endian: byte-swap the little-endian reading into 1032..1040
          (i64.store (i32.const 1032) (call $bswap (i64.load (i32.const 1040))))
          (drop (call $result_set (i32.const 1013) (i32.const 27)))
          (i32.const 0))
        (func $bswap (param $v i64) (result i64) (local $r i64) (local $i i32)
          (loop $l
            (local.set $r (i64.or (i64.shl (local.get $r) (i64.const 8)) (i64.and (local.get $v) (i64.const 255))))
            (local.set $v (i64.shr_u (local.get $v) (i64.const 8)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 8))))
          (local.get $r))`,
        {
          extraImports:
            '(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))',
        },
      ),
    );
    const m = await managerFromYaml(dir, one("clock.wasm"), { clock: () => 1_764_619_200_999 });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors).toEqual([]);
    expect(r.modifiedPayload).toBe(1_764_619_200_999_000_000n);
  });
});

describe("start-up has its own limits", () => {
  const slowInit = guest(`(func (export "cpex_handle") (result i32) (i32.const 0))
    (func (export "cpex_init") (result i32) (local $i i32)
      (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000))))
      (i32.const 0))`);

  it("a start-up longer than the per-call fuel budget loads under the start-up budget", async () => {
    const m = await load(slowInit, "    limits: { fuel: 1000 }");
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).errors).toEqual([]);
  });

  it("exceeding start-up fuel is a load error naming the limit and the phase", async () => {
    await expect(load(slowInit, "    limits: { startup_fuel: 100000 }")).rejects.toThrow(
      /start-up fuel of 100000 exhausted during cpex_init \(limits\.startup_fuel\)/,
    );
  });
});

describe("a request the host cannot encode fails closed, never blamed on the plugin", () => {
  const deep = (n: number): unknown => {
    let v: unknown = "leaf";
    for (let i = 0; i < n; i++) v = { v };
    return v;
  };

  it("with on_error: disable the guard is not disabled and later requests are still guarded", async () => {
    const dir = await tempDir();
    // A guard that denies everything it sees.
    const { encode } = await import("../../../src/hosts/wasm/abi/msgpack.js");
    const deny = encode({ continue_processing: false, violation: { code: "blocked", reason: "no" } });
    await writeGuest(
      dir,
      "guard.wasm",
      guest(`(data (i32.const 1024) "${watBytes(deny)}")
        (func (export "cpex_handle") (result i32) (drop (call $payload_len))
          (drop (call $result_set (i32.const 1024) (i32.const ${deny.length}))) (i32.const 0))`),
    );
    for (const onError of ["disable", "ignore", "fail"]) {
      const m = new PluginManager({ logger: captureLogger() });
      registerWasmHost(m);
      let after = 0;
      m.register(definePlugin({ hooks: { tool_pre_invoke: () => void after++ } }), {
        name: "later",
        priority: 500,
      });
      await m.loadConfigYaml(one(`${dir}/guard.wasm`, "", onError));
      const bad = await m.invoke("tool_pre_invoke", {
        name: "t",
        args: deep(600) as Record<string, unknown>,
      });
      expect(bad.continueProcessing).toBe(false);
      expect(bad.violation?.code).toBe("payload_unencodable");
      expect(after).toBe(0); // the request never went on
      expect(m.effectiveMode("g")).not.toBe("disabled");
      const next = await m.invoke("tool_pre_invoke", { name: "t", args: {} });
      expect(next.violation?.code).toBe("blocked"); // still guarded
    }
  });
});

describe("the guest declares its hooks", () => {
  it("a YAML hook the guest does not declare is a load error with a did-you-mean", async () => {
    const { withHookDeclaration } = await import("../../../src/hosts/wasm/abi/hook-declaration.js");
    const { wat2wasm } = await import("../../helpers/wat.js");
    const { writeFile } = await import("node:fs/promises");
    const dir = await tempDir();
    const bytes = await wat2wasm(guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`));
    await writeFile(`${dir}/g.wasm`, withHookDeclaration(bytes, ["tool_post_invoke", "tool_pre_invoke"]));
    // tool_pre_invoke is declared: loads without a warning.
    const logger = captureLogger();
    await managerFromYaml(dir, one("g.wasm"), {}, logger);
    expect(logger.lines.filter((l) => l.includes("declare"))).toEqual([]);
    // resource_pre_fetch is a real hook, but not one this guest handles.
    const yaml = one("g.wasm").replace("[tool_pre_invoke]", "[tool_pre_invoke, prompt_pre_fetch]");
    await expect(managerFromYaml(dir, yaml)).rejects.toThrow(
      /hooks.*'prompt_pre_fetch' is not handled by the module, which declares 'tool_post_invoke', 'tool_pre_invoke'/,
    );
  });

  it("a guest without the declaration loads with a warning", async () => {
    const logger = captureLogger();
    await load(guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`), "", logger);
    expect(logger.lines.some((l) => l.startsWith("warn: plugin 'g'") && l.includes("does not declare"))).toBe(
      true,
    );
  });
});

describe("route overrides are built at load from the verified module", () => {
  const yaml = (file: string) => `plugin_settings: { routing_enabled: true }
plugins:
  - { name: g, kind: "wasm://${file}", hooks: [tool_pre_invoke], on_error: fail, config: { level: low } }
routes:
  - tool: special
    plugins:
      - g: { config: { level: high } }
  - { tool: "*", plugins: [g] }
`;
  // Denies with a fixed code: "v1" before the file is replaced, "v2" after.
  const taggedGuard = async (tag: string) => {
    const { encode } = await import("../../../src/hosts/wasm/abi/msgpack.js");
    const deny = encode({ continue_processing: false, violation: { code: tag, reason: "r" } });
    return guest(`(data (i32.const 900) "${watBytes(deny)}")
      (func (export "cpex_handle") (result i32)
        (drop (call $result_set (i32.const 900) (i32.const ${deny.length}))) (i32.const 0))`);
  };

  it("a replaced or deleted .wasm never runs under the plugin's name, and the override still works", async () => {
    const { rm } = await import("node:fs/promises");
    const dir = await tempDir();
    await writeGuest(dir, "g.wasm", await taggedGuard("v1"));
    const m = new PluginManager({ logger: captureLogger() });
    registerWasmHost(m);
    await m.loadConfigYaml(yaml(`${dir}/g.wasm`));
    const special = { extensions: { meta: { entityType: "tool", entityName: "special" } } };
    // New code appears on disk after load: neither the base nor the override runs it.
    await writeGuest(dir, "g.wasm", await taggedGuard("v2"));
    expect((await m.invoke("tool_pre_invoke", { name: "special" }, special)).violation?.code).toBe("v1");
    expect((await m.invoke("tool_pre_invoke", { name: "other" })).violation?.code).toBe("v1");
    await rm(`${dir}/g.wasm`);
    expect((await m.invoke("tool_pre_invoke", { name: "special" }, special)).violation?.code).toBe("v1");
  });

  it("an override whose config cannot be loaded is a load error, not a silent fallback", async () => {
    const dir = await tempDir();
    // cpex_init fails when the config's first byte is a map with 1 entry ({level: high} via the override).
    await writeGuest(
      dir,
      "g.wasm",
      guest(`(func (export "cpex_handle") (result i32) (i32.const 0))
        (func (export "cpex_init") (result i32)
          (drop (call $config_read (i32.const 2000) (i32.const 100)))
          (if (result i32) (i32.eq (i32.load8_u (i32.const 2011)) (i32.const 0x68)) ;; 'h' of "high"
            (then (i32.const 1)) (else (i32.const 0))))`),
    );
    const m = new PluginManager({ logger: captureLogger() });
    registerWasmHost(m);
    await expect(m.loadConfigYaml(yaml(`${dir}/g.wasm`))).rejects.toThrow(
      /config override of plugin 'g' failed/,
    );
  });
});
