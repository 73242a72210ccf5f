// `invoke` is typed for the built-in hooks: a hook-name typo in a built-in's namespace or a payload of the wrong
// shape does not compile (each `@ts-expect-error` below fails `tsc` if the line compiles), while custom hooks
// keep a string overload. `npm run lint` type-checks this file; vitest runs the calls.
import { describe, expect, it } from "vitest";
import { definePlugin, PluginManager, silentLogger } from "../../../src/core/index.js";

declare module "../../../src/core/index.js" {
  interface HookPayloads {
    typed_custom_hook: { readonly to: string };
  }
}

const m = new PluginManager({ logger: silentLogger });
m.register(definePlugin({ hooks: { tool_pre_invoke: () => undefined } }), "p");

describe("typed invoke", () => {
  it("built-in hooks take their payload type and return it", async () => {
    const r = await m.invoke("tool_pre_invoke", { name: "t", args: { a: 1 } });
    const name: string | undefined = r.modifiedPayload?.name;
    expect(name).toBe("t");
  });

  it("a typo in a built-in's namespace does not compile", async () => {
    // @ts-expect-error: not a hook; `tool_` names belong to the built-ins
    await m.invoke("tool_pre_invok", { name: "t" });
    // @ts-expect-error: `cmf.` names too
    await m.invoke("cmf.llm_inptu", {});
  });

  it("a payload of the wrong shape does not compile", async () => {
    // @ts-expect-error: name must be a string
    await m.invoke("tool_pre_invoke", { name: 42 });
    // @ts-expect-error: an unknown field in the literal
    await m.invoke("tool_pre_invoke", { nmae: "t" });
    // @ts-expect-error: uri must be a string
    await m.invoke("resource_pre_fetch", { uri: ["a"] });
  });

  it("custom hooks keep a string overload; declared ones are typed", async () => {
    const r = await m.invoke("email_pre_send", { anything: true });
    expect(r.continueProcessing).toBe(true);
    const dynamic: string = "tool_pre_invoke";
    expect((await m.invoke(dynamic, { name: "t" })).continueProcessing).toBe(true);
    expect((await m.invoke("typed_custom_hook", { to: "x" })).modifiedPayload?.to).toBe("x");
    // @ts-expect-error: a declared custom hook's payload is checked too
    await m.invoke("typed_custom_hook", { to: 1 });
  });
});
