// The AssemblyScript SDK (sdk/assemblyscript) through the real host: a probe plugin built from
// sdk/assemblyscript/test/probe exercises the strict MessagePack reader on chosen bytes, the writer's limits, the
// abort handler, logging, the clock, context, state across calls and garbage collection under the memory cap.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { extensionsFromWire, type PipelineResult, type PluginManager } from "../../src/core/index.js";
import { encodeHookDeclaration, readHookDeclaration } from "../../src/hosts/wasm/abi/hook-declaration.js";
import { type Captured, captureLogger, managerFromYaml, tempDir } from "../helpers/wasm-host.js";

const root = join(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "cpex-as-probe-"));
const probe = join(out, "sdk_probe.as.wasm");

beforeAll(async () => {
  const build = join(root, "sdk/assemblyscript/build.mjs");
  await promisify(execFile)(process.execPath, [
    build,
    join(root, "sdk/assemblyscript/test/probe"),
    "--out",
    out,
  ]);
}, 600_000);

async function load(
  options: { config?: unknown; limits?: string; capabilities?: string[]; clock?: () => number } = {},
  logger: Captured = captureLogger(),
): Promise<PluginManager> {
  const dir = await tempDir();
  const yaml = `plugins:
  - name: probe
    kind: "wasm://${probe}"
    hooks: [tool_pre_invoke, tool_post_invoke]
    on_error: ignore
    capabilities: ${JSON.stringify(options.capabilities ?? [])}
    config: ${JSON.stringify(options.config ?? {})}
${options.limits === undefined ? "" : `    limits: ${options.limits}\n`}`;
  return managerFromYaml(dir, yaml, options.clock === undefined ? {} : { clock: options.clock }, logger);
}

const call = (m: PluginManager, tool: string, args: Record<string, unknown> = {}) =>
  m.invoke("tool_pre_invoke", { name: tool, args }, { trace: true });
const meta = (r: PipelineResult): Record<string, unknown> | undefined =>
  r.trace?.[0]?.metadata as Record<string, unknown> | undefined;
const hex = (s: string) => s.replace(/\s+/g, "");

describe("AssemblyScript plugins: module shape", () => {
  const modules: Array<[string, string, string[]]> = [
    ["tool_tagger", join(root, "examples/plugins/tool_tagger/tool_tagger.as.wasm"), ["tool_pre_invoke"]],
    [
      "circuit_breaker",
      join(root, "examples/plugins/circuit_breaker/circuit_breaker.as.wasm"),
      ["tool_pre_invoke", "tool_post_invoke"],
    ],
    ["sdk_probe", probe, ["tool_pre_invoke", "tool_post_invoke"]],
  ];
  for (const [name, file, hooks] of modules) {
    it(`${name}: imports only cpex and WASI, exports the ABI, declares its hooks`, () => {
      const module = new WebAssembly.Module(readFileSync(file));
      const imports = WebAssembly.Module.imports(module).map((i) => i.module);
      expect(imports.filter((m) => m !== "cpex" && m !== "wasi_snapshot_preview1")).toEqual([]);
      const exports = WebAssembly.Module.exports(module).map((e) => e.name);
      expect(exports).toEqual(
        expect.arrayContaining(["memory", "cpex_abi_version", "cpex_init", "cpex_handle"]),
      );
      expect(exports).not.toContain("_start");
      expect(readHookDeclaration(module)).toEqual(hooks);
      // The build script's own writer emits exactly the host's encoding of the section.
      const section = new Uint8Array(WebAssembly.Module.customSections(module, "cpex.hooks")[0]!);
      expect(section).toEqual(encodeHookDeclaration(hooks));
    });
  }

  it("a YAML hook the module does not declare fails the load", async () => {
    const dir = await tempDir();
    const yaml = `plugins:\n  - name: tagger\n    kind: "wasm://${modules[0]![1]}"\n    hooks: [tool_post_invoke]\n`;
    await expect(managerFromYaml(dir, yaml)).rejects.toThrow(
      /tool_post_invoke.*not handled.*'tool_pre_invoke'/,
    );
  });
});

describe("AssemblyScript SDK through the host", () => {
  it("the reader accepts MessagePack of every kind", async () => {
    const m = await load();
    const cases: Array<[string, unknown]> = [
      ["93 01 a1 61 c3", [1, "a", true]],
      ["82 a1 61 c0 a1 62 cb 3f f8 00 00 00 00 00 00", { a: null, b: 1.5 }],
      ["c4 02 00 ff", new Uint8Array([0, 255])],
      ["cf ff ff ff ff ff ff ff ff", 18446744073709551615n],
      ["d3 80 00 00 00 00 00 00 00", -9223372036854775808n],
      ["d0 df", -33],
      ["a4 f0 9f 98 80", "😀"],
    ];
    for (const [bytes, value] of cases) {
      expect(meta(await call(m, "decode", { value: hex(bytes) })), bytes).toEqual({ value });
    }
    await m.shutdown();
  });

  it("the reader refuses what the host's decoder refuses", async () => {
    const m = await load();
    const cases: Array<[string, RegExp]> = [
      ["a2 c0 80", /not valid UTF-8/], // overlong
      ["a3 ed a0 80", /not valid UTF-8/], // surrogate
      ["a4 f4 90 80 80", /not valid UTF-8/], // past U+10FFFF
      ["a2 e2 82", /not valid UTF-8/], // cut sequence
      ["d4 01 00", /extension type 0xd4/],
      ["c7 01 05 00", /extension type 0xc7/],
      ["c1", /0xc1/],
      ["01 02", /1 trailing bytes/],
      ["a5 61", /truncated/],
      ["dd ff ff ff ff", /truncated/], // a count larger than the input, refused before allocating
      ["82 a1 61 01 a1 61 02", /duplicate map key "a"/],
      ["81 01 02", /map key is not a string/],
      [`${"91".repeat(513)}c0`, /nested deeper than 512/],
    ];
    for (const [bytes, error] of cases) {
      const got = meta(await call(m, "decode", { value: hex(bytes) }));
      expect(got?.["error"], bytes.slice(0, 20)).toMatch(error);
    }
    expect(meta(await call(m, "decode", { value: `${"91".repeat(512)}c0`, quiet: true }))).toEqual({
      ok: true,
    });
    await m.shutdown();
  });

  it("the writer emits what the host accepts: full-width integers, valid UTF-8, payloads kept whole", async () => {
    const m = await load();
    expect(meta(await call(m, "numbers"))).toEqual({
      numbers: [18446744073709551615n, -9223372036854775808n, -33, 1.5],
    });
    // A lone surrogate has no UTF-8 form: U+FFFD, as TextEncoder writes it.
    expect(meta(await call(m, "text"))).toEqual({ text: "a\uFFFDbé😀" });
    const args = { value: "x", nested: { list: [1, "two", null] } };
    const r = await call(m, "echo", args);
    expect(r.errors).toEqual([]);
    expect(r.modifiedPayload).toEqual({ name: "echo", args });
    await m.shutdown();
  });

  it("a result nested deeper than the host accepts is the plugin's own error, not an ABI violation", async () => {
    const m = await load();
    const r = await call(m, "deep");
    expect(r.errors[0]).toMatchObject({ code: "invalid_result" });
    await m.shutdown();
  });

  it("abort reports its message through error_set and traps; the fresh instance starts from scratch", async () => {
    const m = await load();
    expect(meta(await call(m, "calls"))).toEqual({ calls: 1 });
    expect(meta(await call(m, "calls"))).toEqual({ calls: 2 }); // state persists between calls
    const r = await call(m, "abort");
    expect(r.errors[0]).toMatchObject({ code: "wasm_trap" });
    expect(r.errors[0]!.message).toBe("guest panicked: probe abort requested");
    const index = await call(m, "index"); // a runtime error of the language, not an explicit abort
    expect(index.errors[0]!.message).toMatch(/guest panicked: Index out of range at ~lib\/array\.ts/);
    expect(meta(await call(m, "calls"))).toEqual({ calls: 1 });
    await m.shutdown();
  });

  it("a PluginError from a handler and from init", async () => {
    const m = await load();
    const r = await call(m, "fail");
    expect(r.errors[0]).toMatchObject({ code: "probe.failed", message: "asked to fail" });
    await m.shutdown();
    await expect(load({ config: { fail_init: true } })).rejects.toThrow(/init_failed.*fail_init is set/);
  });

  it("logs through the host's logger and reads the host's clock", async () => {
    const logger = captureLogger();
    const m = await load({ clock: () => 1_234_567 }, logger);
    await call(m, "log");
    expect(logger.lines).toContain("info: [wasm:probe] hello from AssemblyScript");
    expect(meta(await call(m, "clock"))).toEqual({ now_ms: 1_234_567 });
    await m.shutdown();
  });

  it("context: local state written in pre reaches post, global state is shared; extensions are read", async () => {
    const m = await load({ capabilities: ["read_labels"] });
    const pre = await call(m, "context");
    const post = await m.invoke(
      "tool_post_invoke",
      { name: "context", result: { ok: true } },
      { trace: true, contextTable: pre.contextTable },
    );
    expect(meta(post)).toEqual({ post: { seen: "pre", shared: 7, result: { ok: true } } });
    const labelled = await m.invoke(
      "tool_pre_invoke",
      { name: "labels", args: {} },
      { trace: true, extensions: extensionsFromWire({ security: { labels: ["PII"] } }) },
    );
    expect(meta(labelled)).toEqual({ has_pii: true });
    await m.shutdown();
  });

  it("garbage is collected: 200 calls of 1 MiB each stay under a 2 MiB cap; retained memory hits the cap", async () => {
    const m = await load({ limits: "{ memory_mb: 2 }" });
    for (let i = 0; i < 200; i++) {
      const r = await call(m, "garbage");
      expect(r.errors, `call ${i + 1}`).toEqual([]);
    }
    await m.shutdown();
    // Memory the plugin keeps is not garbage: a fresh instance that retains 256 KiB per call reaches the cap.
    const hoarder = await load({ limits: "{ memory_mb: 2 }" });
    let last: PipelineResult | undefined;
    for (let i = 0; i < 16 && (last === undefined || last.errors.length === 0); i++)
      last = await call(hoarder, "hoard");
    expect(last?.errors[0]).toMatchObject({ code: "memory_limit" });
    await hoarder.shutdown();
  });
});
