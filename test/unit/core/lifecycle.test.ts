// The manager's closing state: shutdown refuses new work, drains in-flight work within shutdown_timeout, then
// shuts every plugin down once (docs/configuration.md, "Lifecycle and closing state").
import { describe, expect, it } from "vitest";
import {
  definePlugin,
  type Logger,
  ManagerClosedError,
  PluginManager,
  type PluginMode,
  parseConfig,
  silentLogger,
} from "../../../src/core/index.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function eventLogger(events: string[]): Logger {
  return { ...silentLogger, warn: (m) => void events.push(`warn: ${m}`) };
}

/** A plugin on tool_pre_invoke whose handler is `handler` and whose shutdown is recorded in `events`. */
function plugin(name: string, events: string[], handler: () => unknown = () => undefined) {
  return definePlugin({
    name,
    hooks: { tool_pre_invoke: handler as () => undefined },
    shutdown: () => void events.push(`shutdown ${name}`),
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("manager lifecycle and closing state", () => {
  it("invoke after shutdown rejects with manager_closed and runs no handler", async () => {
    let calls = 0;
    const m = new PluginManager({ logger: silentLogger });
    m.register(plugin("p", [], () => void calls++));
    await m.initialize();
    await m.shutdown();
    const err = await rejection(m.invoke("tool_pre_invoke", { name: "t" }));
    expect(err).toBeInstanceOf(ManagerClosedError);
    expect((err as ManagerClosedError).code).toBe("manager_closed");
    expect(calls).toBe(0);
    expect(m.state).toBe("closed");
  });

  it("an invoke in flight completes normally and shutdown waits for it; one issued while draining rejects", async () => {
    const events: string[] = [];
    const gate = deferred();
    const m = new PluginManager({ logger: silentLogger });
    m.register(
      plugin("slow", events, async () => {
        await gate.promise;
        events.push("slow handler done");
      }),
    );
    m.register(
      plugin("after", events, () => void events.push("after handler")),
      { name: "after", priority: 200 },
    );
    await m.initialize();
    const inFlight = m.invoke("tool_pre_invoke", { name: "t" });
    await tick();
    const closing = m.shutdown().then(() => events.push("shutdown resolved"));
    expect(m.state).toBe("closing");
    const refused = await rejection(m.invoke("tool_pre_invoke", { name: "t" }));
    expect((refused as ManagerClosedError).code).toBe("manager_closed");
    gate.resolve();
    const r = await inFlight;
    expect(r.continueProcessing).toBe(true);
    await closing;
    expect(events).toEqual([
      "slow handler done",
      "after handler",
      "shutdown after",
      "shutdown slow",
      "shutdown resolved",
    ]);
  });

  it("concurrent shutdowns share one run: each plugin is shut down once, in reverse registration order", async () => {
    const events: string[] = [];
    const m = new PluginManager({ logger: silentLogger });
    for (const name of ["a", "b", "c"]) m.register(plugin(name, events));
    await m.initialize();
    const first = m.shutdown();
    const second = m.shutdown();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    await m.shutdown();
    expect(events).toEqual(["shutdown c", "shutdown b", "shutdown a"]);
  });

  it("shutdown resolves while traffic keeps arriving and spawning fire-and-forget tasks", async () => {
    const events: string[] = [];
    const m = new PluginManager({ logger: silentLogger });
    m.register(
      plugin("bg", events, async () => {
        await tick();
        events.push("bg ran");
      }),
      { name: "bg", mode: "fire_and_forget" as PluginMode },
    );
    await m.initialize();
    let accepted = 0;
    let refused: unknown;
    const traffic = (async () => {
      for (;;) {
        try {
          await m.invoke("tool_pre_invoke", { name: "t" });
          accepted++;
          await tick(); // let the event loop (and shutdown) run between requests
        } catch (err) {
          refused = err;
          return;
        }
      }
    })();
    while (accepted < 5) await tick();
    await m.shutdown();
    await traffic;
    expect(refused).toBeInstanceOf(ManagerClosedError);
    expect(m.backgroundTaskCount).toBe(0);
    // Every background task drained before the plugin was shut down.
    expect(events.at(-1)).toBe("shutdown bg");
    expect(events.filter((e) => e === "bg ran").length).toBeGreaterThanOrEqual(accepted);
  });

  it("the drain bound is honoured: a task that never settles is logged, then plugins shut down anyway", async () => {
    const events: string[] = [];
    const m = new PluginManager({ logger: eventLogger(events), settings: { shutdownTimeout: 0.02 } });
    m.register(
      plugin("stuck", events, () => new Promise(() => {})),
      { name: "stuck", mode: "fire_and_forget" as PluginMode },
    );
    await m.initialize();
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.background.count).toBe(1);
    await m.shutdown();
    expect(events).toEqual([
      "warn: shutdown: 1 task(s) still running after shutdown_timeout (0.02s); shutting plugins down anyway: fire_and_forget 'stuck' (tool_pre_invoke)",
      "shutdown stuck",
    ]);
  });

  it("a request that outlives the drain bound calls no handler after plugins shut down (fails closed)", async () => {
    const events: string[] = [];
    const gate = deferred();
    const m = new PluginManager({ logger: eventLogger(events), settings: { shutdownTimeout: 0.02 } });
    m.register(
      plugin("first", events, () => gate.promise),
      { name: "first", priority: 1 },
    );
    m.register(
      plugin("second", events, () => void events.push("second ran")),
      { name: "second", priority: 2 },
    );
    await m.initialize();
    const pending = m.invoke("tool_pre_invoke", { name: "t" });
    await tick();
    await m.shutdown();
    gate.resolve();
    const r = await pending;
    expect(r.continueProcessing).toBe(false);
    expect(r.violation?.code).toBe("manager_closed");
    expect(events).not.toContain("second ran");
  });

  it("initialize, register and loadConfig after shutdown throw ManagerClosedError", async () => {
    const m = new PluginManager({ logger: silentLogger });
    await m.shutdown();
    await expect(m.initialize()).rejects.toThrow(ManagerClosedError);
    await expect(m.initialize()).rejects.toThrow(/create a new PluginManager/);
    expect(() => m.register(plugin("late", []))).toThrow(ManagerClosedError);
    await expect(m.loadConfig(parseConfig("plugins: []"))).rejects.toThrow(ManagerClosedError);
    await expect(m.loadConfigYaml("plugins: []")).rejects.toThrow(ManagerClosedError);
  });

  it("a never-initialised manager closes too, without shutting plugins down", async () => {
    const events: string[] = [];
    const m = new PluginManager({ logger: silentLogger });
    m.register(plugin("p", events));
    await m.shutdown();
    expect(events).toEqual([]);
    await expect(m.invoke("tool_pre_invoke", {})).rejects.toThrow(ManagerClosedError);
  });

  it("plugins loaded after initialize() are initialised before they are registered", async () => {
    const events: string[] = [];
    const m = new PluginManager({ logger: silentLogger });
    m.registerFactory("test", {
      create: (c) => ({
        plugin: { initialize: () => void events.push(`init ${c.name}`) },
        handlers: [{ hook: "tool_pre_invoke", handler: () => undefined }],
      }),
    });
    await m.initialize();
    await m.loadConfigYaml("plugins:\n  - { name: late, kind: test, hooks: [tool_pre_invoke] }\n");
    expect(events).toEqual(["init late"]);
  });

  it("shutdown_timeout is a plugin_settings key in seconds (default 10)", () => {
    expect(parseConfig("{}").pluginSettings.shutdownTimeout).toBe(10);
    expect(parseConfig("plugin_settings: { shutdown_timeout: 0.5 }").pluginSettings.shutdownTimeout).toBe(
      0.5,
    );
    expect(() => parseConfig("plugin_settings: { shutdown_timeout: -1 }")).toThrow(/shutdown_timeout/);
  });
});
