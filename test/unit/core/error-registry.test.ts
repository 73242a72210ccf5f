// One error model: every core error class extends CpexError and carries a registered code; the codes the
// runtime produces are registered; docs/errors.md lists exactly the registered core codes with their meanings.
import { describe, expect, it } from "vitest";
import {
  CORE_ERROR_CODES,
  ConfigError,
  CpexError,
  definePlugin,
  ExtensionsWireError,
  errorCodeMeaning,
  errorCodes,
  type HookHandler,
  ManagerClosedError,
  PluginError,
  PluginManager,
  parseConfig,
  registerErrorCodes,
  renderErrorCodeTable,
  silentLogger,
  WireFormatError,
} from "../../../src/core/index.js";
import { errorsDoc as doc, documentedCodes } from "../../helpers/error-docs.js";

describe("the error registry", () => {
  it("docs/errors.md lists exactly the core's registered codes, with the registered meanings", () => {
    expect(doc).toContain("<!-- error-codes:core:begin -->");
    expect(documentedCodes(doc, "core"), `expected table:\n${renderErrorCodeTable("core")}`).toEqual(
      errorCodes("core"),
    );
  });

  it("every core error class extends CpexError and carries a registered code", () => {
    const errors: CpexError<string | undefined>[] = [
      new ConfigError("bad"),
      new ManagerClosedError("invoke"),
      new WireFormatError("violation.code", "expected a string"),
      new ExtensionsWireError("security.labels", "expected a list"),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(CpexError);
      expect(e).toBeInstanceOf(Error);
      expect(errorCodes("core").has(e.code!), `${e.name}: ${e.code}`).toBe(true);
    }
    expect(new PluginError("x", { code: "mine" })).toBeInstanceOf(CpexError);
  });

  it("details carry the structured facts", () => {
    expect(new ConfigError("bad", { file: "a.yaml", plugin: "p" }).details).toEqual({
      file: "a.yaml",
      plugin: "p",
    });
    expect(new WireFormatError("violation.code", "x").details).toEqual({ field: "violation.code" });
    expect(new PluginError("x", { details: { n: 1 } }).details).toEqual({ n: 1 });
  });

  it("the violation and record codes the runtime produces are registered", async () => {
    const codes = new Set<string>();
    const m = new PluginManager({ logger: silentLogger, settings: { pluginTimeout: 0.02 } });
    const hook = (h: HookHandler): ReturnType<typeof definePlugin> => definePlugin({ hooks: { h } });
    const throwPlain: HookHandler = () => {
      throw new TypeError("t");
    };
    m.register(
      hook(() => 42 as unknown as undefined),
      { name: "invalid", onError: "ignore" },
    );
    m.register(
      hook(() => new Promise(() => {})),
      { name: "slow", onError: "ignore" },
    );
    m.register(hook(throwPlain), { name: "panics", mode: "concurrent", onError: "ignore" });
    m.register(
      hook(() => ({ continueProcessing: false })),
      { name: "bare_deny", mode: "concurrent" },
    );
    const r = await m.invoke("h", {});
    for (const e of r.errors) codes.add(e.code!);
    codes.add(r.violation!.code);
    for (const [name, handler, mode] of [
      ["fails", throwPlain, "sequential"],
      ["times_out", () => new Promise(() => {}), "sequential"],
      ["task_panics", throwPlain, "concurrent"],
      ["host", () => Promise.reject(new PluginError("h", { kind: "host" })), "sequential"],
    ] as const) {
      const one = new PluginManager({ logger: silentLogger, settings: { pluginTimeout: 0.02 } });
      one.register(hook(handler as HookHandler), { name, mode });
      codes.add((await one.invoke("h", {})).violation!.code);
    }
    try {
      parseConfig("plugins: 3");
    } catch (e) {
      codes.add((e as ConfigError).code);
    }
    expect([...codes].sort()).toEqual(
      [
        "concurrent_deny",
        "config",
        "host_error",
        "invalid_result",
        "panic",
        "plugin_error",
        "plugin_panic",
        "plugin_timeout",
        "timeout",
      ].sort(),
    );
    for (const c of codes) expect(errorCodes("core").has(c), c).toBe(true);
  });

  it("hosts register their own codes; a code keeps one meaning per owner", () => {
    registerErrorCodes("test-host", { test_code: "a test host's code" });
    registerErrorCodes("test-host", { test_code: "a test host's code" });
    expect(errorCodes("test-host").get("test_code")).toBe("a test host's code");
    expect(errorCodeMeaning("config")).toBe(CORE_ERROR_CODES.config);
    expect(() => registerErrorCodes("test-host", { test_code: "something else" })).toThrow(
      "registered twice",
    );
  });
});
