// Payloads are read-only (docs/configuration.md, "Payloads are read-only"): a handler changes the request only by
// returning a modified copy. By default that is a documented contract; payload-check mode enforces it.
import { describe, expect, it } from "vitest";
import {
  definePlugin,
  type HookHandler,
  PluginManager,
  PluginResult,
  silentLogger,
} from "../../../src/core/index.js";

const HOOK: string = "tool_pre_invoke";
interface Payload {
  name: string;
  tags?: string[];
}
const mutate: HookHandler = (payload) => {
  (payload as Payload).name = "changed";
};

function manager(check: boolean | undefined, mode: "sequential" | "transform" | "audit" | "concurrent") {
  const m = new PluginManager({
    logger: silentLogger,
    ...(check === undefined ? {} : { checkPayloadMutation: check }),
  });
  m.register(definePlugin({ hooks: { [HOOK]: mutate } }), { name: "mutator", mode });
  return m;
}

describe("payload-check mode (checkPayloadMutation: true)", () => {
  for (const mode of ["sequential", "transform", "audit", "concurrent"] as const) {
    it(`an in-place write in the ${mode} phase fails the call and leaves the caller's payload alone`, async () => {
      const payload: Payload = { name: "t" };
      const r = await manager(true, mode).invoke(HOOK, payload, { trace: true });
      expect(payload.name).toBe("t");
      expect(r.trace?.[0]?.outcome).toBe("error");
      expect(r.trace?.[0]?.error?.message).toMatch(/read[- ]only|Cannot assign/);
      if (mode === "sequential" || mode === "concurrent") expect(r.continueProcessing).toBe(false);
    });
  }

  it("nested values are frozen too", async () => {
    const m = new PluginManager({ logger: silentLogger, checkPayloadMutation: true });
    m.register(
      definePlugin({
        hooks: {
          [HOOK]: (p) => {
            (p as Payload).tags?.push("x");
          },
        },
      }),
      { name: "pusher", onError: "ignore" },
    );
    const r = await m.invoke(HOOK, { name: "t", tags: [] });
    expect(r.errors).toHaveLength(1);
    expect(r.modifiedPayload).toEqual({ name: "t", tags: [] });
  });

  it("returning a modified copy still works", async () => {
    const m = new PluginManager({ logger: silentLogger, checkPayloadMutation: true });
    m.register(
      definePlugin({
        hooks: { [HOOK]: (p) => PluginResult.modifyPayload({ ...(p as Payload), name: "copy" }) },
      }),
      "copier",
    );
    const r = await m.invoke(HOOK, { name: "t" });
    expect(r.payloadModified).toBe(true);
    expect(r.modifiedPayload).toEqual({ name: "copy" });
  });
});

describe("the default", () => {
  it("is payload-check mode when NODE_ENV is development, off otherwise", async () => {
    const saved = process.env["NODE_ENV"];
    try {
      process.env["NODE_ENV"] = "development";
      const dev = await manager(undefined, "sequential").invoke(HOOK, { name: "t" });
      process.env["NODE_ENV"] = "production";
      const prod = await manager(undefined, "sequential").invoke(HOOK, { name: "t" });
      expect(dev.continueProcessing).toBe(false);
      expect(prod.continueProcessing).toBe(true);
    } finally {
      process.env["NODE_ENV"] = saved;
    }
  });
});

describe("without payload-check mode (the default outside NODE_ENV=development)", () => {
  it("the contract is not enforced: an in-place write in a serial phase is not reported as a modification", async () => {
    const payload: Payload = { name: "t" };
    const r = await manager(undefined, "sequential").invoke(HOOK, payload);
    expect(r.continueProcessing).toBe(true);
    expect(r.payloadModified).toBe(false);
    // The documented hazard payload-check mode exists to catch: the write reached the caller's object.
    expect(payload.name).toBe("changed");
  });

  it("concurrent plugins always work on a copy, so their writes never reach the caller", async () => {
    const payload: Payload = { name: "t" };
    await manager(false, "concurrent").invoke(HOOK, payload);
    expect(payload.name).toBe("t");
  });
});
