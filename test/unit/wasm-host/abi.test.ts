import { describe, expect, it } from "vitest";
import { createExtensions, definePlugin, PluginResult } from "../../../src/core/index.js";
import {
  captureLogger,
  constResultGuest,
  echoGuest,
  guest,
  hookNameGuest,
  managerFromYaml,
  tempDir,
  writeGuest,
} from "../../helpers/wasm-host.js";

const plugin = (name: string, file: string, extra = "") => `
  - name: ${name}
    kind: wasm://${file}
    hooks: [tool_pre_invoke, tool_post_invoke]
${extra}`;

describe("wasm host: ABI happy paths", () => {
  it("a guest that sets no result allows the call unchanged", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "noop.wasm", guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`));
    const m = await managerFromYaml(dir, `plugins:${plugin("noop", "noop.wasm")}`);
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(true);
    expect(r.payloadModified).toBe(false);
    expect(r.modifiedPayload).toEqual({ name: "t" });
  });

  it("deny: the violation is stamped with the registered name", async () => {
    const dir = await tempDir();
    await writeGuest(
      dir,
      "deny.wasm",
      constResultGuest({
        continue_processing: false,
        violation: { code: "blocked", reason: "no", details: { why: "test" }, plugin_name: "forged" },
      }),
    );
    const m = await managerFromYaml(dir, `plugins:${plugin("gate", "deny.wasm")}`);
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(false);
    expect(r.violation).toEqual({
      code: "blocked",
      reason: "no",
      details: { why: "test" },
      pluginName: "gate",
    });
  });

  it("modify: the payload round-trips losslessly (bigint beyond 2^53, binary, nested)", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "echo.wasm", echoGuest("payload"));
    const m = await managerFromYaml(dir, `plugins:${plugin("echo", "echo.wasm")}`);
    const payload = {
      name: "t",
      args: {
        big: 12345678901234567890n,
        neg: -(2n ** 62n),
        n: 2 ** 40,
        f: 1.5,
        bin: new Uint8Array([0, 1, 255]),
      },
      list: [1, "two", null, true, { deep: ["x"] }],
    };
    const r = await m.invoke("tool_pre_invoke", payload);
    expect(r.payloadModified).toBe(true);
    expect(r.modifiedPayload).toEqual(payload);
    expect((r.modifiedPayload as typeof payload).args.bin).toBeInstanceOf(Uint8Array);
  });

  it("hook_name, config and context reads", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "hook.wasm", hookNameGuest());
    await writeGuest(dir, "config.wasm", echoGuest("config"));
    const m = await managerFromYaml(dir, `plugins:${plugin("hook", "hook.wasm")}`);
    expect((await m.invoke("tool_post_invoke", { name: "t", result: 1 })).modifiedPayload).toBe(
      "tool_post_invoke",
    );
    const m2 = await managerFromYaml(
      dir,
      `plugins:${plugin("cfg", "config.wasm", "    config: { threshold: 3, words: [a, b] }")}`,
    );
    expect((await m2.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toEqual({
      threshold: 3,
      words: ["a", "b"],
    });
  });

  it("extensions: the guest sees only the capability-filtered view, without sensitive headers", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "ext.wasm", echoGuest("extensions"));
    const yaml = `plugins:${plugin("blind", "ext.wasm", "    priority: 1")}${plugin("sees", "ext.wasm", "    priority: 2\n    capabilities: [read_headers, read_labels]")}`;
    const extensions = createExtensions({
      request: { requestId: "r1" },
      http: { requestHeaders: { "x-trace": "1", Authorization: "secret" }, responseHeaders: {} },
      security: { labels: ["pii"] },
    });
    const m = await managerFromYaml(
      dir,
      yaml.replace("tool_pre_invoke, tool_post_invoke", "tool_pre_invoke"),
    );
    const blind = await m.invoke("tool_pre_invoke", { name: "t" }, { extensions, trace: true });
    // "sees" ran last: its echo is the final payload.
    const seen = blind.modifiedPayload as unknown as Record<string, Record<string, unknown>>;
    expect(seen["http"]?.["request_headers"]).toEqual({ "x-trace": "1" });
    expect(seen["security"]?.["labels"]).toEqual(["pii"]);
    expect(JSON.stringify(seen)).not.toContain("secret");
  });

  it("extension edits: legal ones are merged, illegal ones (no capability, forged slots, label removal) never applied", async () => {
    const dir = await tempDir();
    const patch = {
      modified_extensions: {
        security: { labels: ["pii"] },
        http: { request_headers: { "x-added": "1" } },
        request: { request_id: "forged" },
        custom: { note: "hi" },
      },
    };
    await writeGuest(dir, "edit.wasm", constResultGuest(patch));
    const extensions = createExtensions({
      request: { requestId: "r1" },
      http: { requestHeaders: { "x-trace": "1" }, responseHeaders: {} },
      security: { labels: ["internal"] },
    });
    const run = async (caps: string) => {
      const m = await managerFromYaml(
        dir,
        `plugins:\n  - { name: e, kind: wasm://edit.wasm, hooks: [tool_pre_invoke], capabilities: [${caps}] }\n`,
      );
      return (await m.invoke("tool_pre_invoke", { name: "t" }, { extensions })).modifiedExtensions;
    };
    const none = await run("");
    expect([...(none.security?.labels ?? [])]).toEqual(["internal"]); // no append_labels: dropped
    expect(none.http?.requestHeaders).toEqual({ "x-trace": "1" }); // no write_headers: dropped
    expect(none.request?.requestId).toBe("r1"); // immutable slot: never taken from the guest
    expect(none.custom).toEqual({ note: "hi" }); // custom needs no capability
    const all = await run("read_labels, append_labels, read_headers, write_headers");
    // The guest sent ["pii"] without "internal": labels are monotonic, so the edit unions instead of removing.
    expect([...(all.security?.labels ?? [])].sort()).toEqual(["internal", "pii"]);
    expect(all.http?.requestHeaders).toEqual({ "x-added": "1" });
    expect(all.request?.requestId).toBe("r1");
  });

  it("context: local_state written on the pre hook is read back on the post hook", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "ctx-write.wasm", constResultGuest({ context: { local_state: { started: 42 } } }));
    await writeGuest(dir, "ctx-echo.wasm", echoGuest("context"));
    const m = await managerFromYaml(
      dir,
      `plugins:
  - name: writer
    kind: wasm://ctx-write.wasm
    hooks: [tool_pre_invoke]
  - name: reader
    kind: wasm://ctx-echo.wasm
    hooks: [tool_post_invoke]
`,
    );
    const pre = await m.invoke("tool_pre_invoke", { name: "t" });
    const post = await m.invoke(
      "tool_post_invoke",
      { name: "t", result: 1 },
      { contextTable: pre.contextTable },
    );
    // Different plugins: the reader sees its own (empty) local state and the shared global state.
    expect(post.modifiedPayload).toEqual({ local_state: {}, global_state: {} });
    const writerId = [...pre.contextTable.localStates.keys()][0];
    expect(writerId).toBeDefined();
    expect(pre.contextTable.localStates.get(writerId!)).toEqual({ started: 42 });
  });

  it("log: guest log lines reach the logger, prefixed with the plugin name", async () => {
    const dir = await tempDir();
    await writeGuest(
      dir,
      "log.wasm",
      guest(`(data (i32.const 100) "hello from wasm")
      (func (export "cpex_handle") (result i32) (drop (call $log (i32.const 2) (i32.const 100) (i32.const 15))) (i32.const 0))`),
    );
    const logger = captureLogger();
    const m = await managerFromYaml(dir, `plugins:${plugin("talker", "log.wasm")}`, {}, logger);
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect(logger.lines).toContain("info: [wasm:talker] hello from wasm");
  });

  it("two wasm plugins and a native one in one pipeline, across all five phases", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "mod.wasm", constResultGuest({ modified_payload: { name: "from-wasm" } }));
    await writeGuest(dir, "noop.wasm", guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`));
    const yaml = `plugins:
  - { name: seq, kind: wasm://mod.wasm, hooks: [tool_pre_invoke], mode: sequential }
  - { name: tr, kind: wasm://noop.wasm, hooks: [tool_pre_invoke], mode: transform }
  - { name: au, kind: wasm://noop.wasm, hooks: [tool_pre_invoke], mode: audit }
  - { name: co, kind: wasm://noop.wasm, hooks: [tool_pre_invoke], mode: concurrent }
  - { name: ff, kind: wasm://noop.wasm, hooks: [tool_pre_invoke], mode: fire_and_forget }
  - { name: native, kind: native/suffix, hooks: [tool_pre_invoke], mode: transform, priority: 200 }
`;
    const { writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    await writeFile(join(dir, "cpex.yaml"), yaml);
    const { PluginManager } = await import("../../../src/core/index.js");
    const { registerWasmHost } = await import("../../../src/hosts/wasm/index.js");
    const m = new PluginManager({ logger: captureLogger() });
    registerWasmHost(m);
    m.registerFactory("native/suffix", {
      create: () =>
        definePlugin({
          hooks: {
            tool_pre_invoke: (p) => PluginResult.modifyPayload({ ...p, name: `${p.name}+native` }),
          },
        }),
    });
    await m.loadConfigFile(join(dir, "cpex.yaml"));
    const r = await m.invoke("tool_pre_invoke", { name: "orig" }, { trace: true });
    expect(r.continueProcessing).toBe(true);
    expect(r.modifiedPayload).toEqual({ name: "from-wasm+native" });
    expect(r.trace?.map((t) => `${t.phase}:${t.plugin}`)).toEqual([
      "sequential:seq",
      "transform:tr",
      "transform:native",
      "audit:au",
      "concurrent:co",
      "fire_and_forget:ff",
    ]);
    expect(await r.background.wait()).toEqual([]);
    const seq = r.trace?.[0];
    expect(seq?.telemetry?.["fuel_used"]).toBeTypeOf("number");
    expect(seq?.telemetry?.["memory_pages"]).toBe(2);
  });
});
