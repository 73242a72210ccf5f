// Host failures (PluginError kind "host") fail the request in every phase before the result is returned, whatever
// on_error says, and are never counted against the plugin (docs/configuration.md, "Host failures").
import { describe, expect, it } from "vitest";
import {
  definePlugin,
  type Logger,
  type OnError,
  PluginError,
  PluginManager,
  type PluginMode,
} from "../../../src/core/index.js";

type Phase = Exclude<PluginMode, "disabled" | "fire_and_forget">;
const PHASES: readonly Phase[] = ["sequential", "transform", "audit", "concurrent"];
const ON_ERROR: readonly OnError[] = ["fail", "ignore", "disable"];

function recordingLogger(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    debug: () => {},
    info: () => {},
    warn: (m) => void lines.push(["warn", m]),
    error: (m) => void lines.push(["error", m]),
  };
}

function hostError(code?: string): PluginError {
  return new PluginError("cannot encode the payload", {
    kind: "host",
    pluginName: "guest",
    ...(code === undefined ? {} : { code, details: { path: "args.blob" } }),
  });
}

/** A manager with `guest` (throws a host error) in `mode`, and a plugin in each later phase that records its run. */
function setup(mode: PluginMode, onError: OnError, code?: string) {
  const logger = recordingLogger();
  const m = new PluginManager({ logger });
  const ran: string[] = [];
  let guestCalls = 0;
  m.register(
    definePlugin({
      hooks: {
        tool_pre_invoke: () => {
          guestCalls++;
          throw hostError(code);
        },
      },
    }),
    { name: "guest", mode, onError, priority: 1 },
  );
  for (const later of ["sequential", "transform", "audit", "concurrent", "fire_and_forget"] as const) {
    m.register(definePlugin({ hooks: { tool_pre_invoke: () => void ran.push(later) } }), {
      name: `later_${later}`,
      mode: later,
      priority: 2,
    });
  }
  return { m, ran, logger, calls: () => guestCalls };
}

const PHASE_ORDER = ["sequential", "transform", "audit", "concurrent", "fire_and_forget"];

describe("host failures fail the request, not the plugin", () => {
  for (const phase of PHASES) {
    for (const onError of ON_ERROR) {
      it(`${phase}, on_error ${onError}: the pipeline stops with the host's code; the plugin stays enabled`, async () => {
        const { m, ran, calls } = setup(phase, onError, "payload_unencodable");
        const r = await m.invoke("tool_pre_invoke", { name: "t" });
        expect(r.continueProcessing).toBe(false);
        expect(r.violation).toEqual({
          code: "payload_unencodable",
          reason: "cpex could not run plugin 'guest': cannot encode the payload",
          pluginName: "guest",
          details: { path: "args.blob" },
        });
        expect(r.errors).toEqual([
          {
            pluginName: "guest",
            message: "cannot encode the payload",
            code: "payload_unencodable",
            details: { path: "args.blob" },
          },
        ]);
        expect(r.background.count).toBe(0);
        // Phases after the failing one never run (the concurrent phase runs its siblings at once).
        const after = PHASE_ORDER.slice(PHASE_ORDER.indexOf(phase) + 1);
        for (const later of after) expect(ran).not.toContain(later);
        expect(m.effectiveMode("guest")).toBe(phase);

        const again = await m.invoke("tool_pre_invoke", { name: "t" });
        expect(calls()).toBe(2);
        expect(again.violation?.code).toBe("payload_unencodable");
      });
    }
  }

  it("a host error without a code becomes host_error", async () => {
    const { m } = setup("audit", "ignore");
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.violation).toEqual({
      code: "host_error",
      reason: "cpex could not run plugin 'guest': cannot encode the payload",
      pluginName: "guest",
    });
    expect(r.errors[0]?.code).toBe("host_error");
  });

  it("is logged at error level", async () => {
    const { m, logger } = setup("transform", "ignore", "payload_unencodable");
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect(logger.lines.some(([level, msg]) => level === "error" && msg.includes("'guest'"))).toBe(true);
    expect(logger.lines.some(([, msg]) => msg.includes("disabled"))).toBe(false);
  });

  it("an ordinary error under on_error disable still trips the breaker (contrast)", async () => {
    const m = new PluginManager({ logger: recordingLogger() });
    m.register(
      definePlugin({
        hooks: {
          tool_pre_invoke: () => {
            throw new PluginError("boom");
          },
        },
      }),
      { name: "p", mode: "audit", onError: "disable" },
    );
    await m.invoke("tool_pre_invoke", {});
    expect(m.effectiveMode("p")).toBe("disabled");
  });

  for (const onError of ON_ERROR) {
    it(`fire_and_forget, on_error ${onError}: logged at error level and recorded, never trips`, async () => {
      const logger = recordingLogger();
      const m = new PluginManager({ logger });
      let calls = 0;
      m.register(
        definePlugin({
          hooks: {
            tool_pre_invoke: () => {
              calls++;
              throw hostError("payload_unencodable");
            },
          },
        }),
        { name: "guest", mode: "fire_and_forget", onError },
      );
      const r = await m.invoke("tool_pre_invoke", { name: "t" });
      expect(r.continueProcessing).toBe(true);
      expect(await r.background.wait()).toEqual([
        {
          pluginName: "guest",
          message: "cannot encode the payload",
          code: "payload_unencodable",
          details: { path: "args.blob" },
        },
      ]);
      expect(logger.lines.filter(([level]) => level === "error")).toHaveLength(1);
      expect(m.effectiveMode("guest")).toBe("fire_and_forget");
      await (await m.invoke("tool_pre_invoke", { name: "t" })).background.wait();
      expect(calls).toBe(2);
    });
  }
});
