// The hostile-guest corpus: every test/hostile/*.wat is loaded through YAML with the limits in its header and
// must end with the typed error it names (or fail to load with the reason it names); a well-behaved plugin in the
// same pipeline keeps working after each one.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { definePlugin, PluginManager, silentLogger } from "../../src/core/index.js";
import { registerWasmHost } from "../../src/hosts/wasm/index.js";
import { tempDir, writeGuest } from "../helpers/wasm-host.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".wat"))
  .sort();

function header(source: string, key: string): string | undefined {
  return source.match(new RegExp(`^;; ${key}: (.*)$`, "m"))?.[1]?.trim();
}

describe("hostile guests", () => {
  it("the corpus is not empty", () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  for (const [file, execution] of files.flatMap((f) => [
    [f, "inline"],
    [f, "worker"],
  ])) {
    const source = readFileSync(join(here, file as string), "utf8");
    const expectCode = header(source, "expect");
    const expectLoad = header(source, "expect-load");
    const limits = header(source, "limits");
    it(`${file} (${execution}): ${expectCode ?? `load fails (${expectLoad})`}`, async () => {
      const dir = await tempDir();
      await writeGuest(dir, "hostile.wasm", source);
      const m = new PluginManager({ logger: silentLogger });
      registerWasmHost(m);
      let ran = 0;
      m.register(definePlugin({ hooks: { tool_pre_invoke: () => void ran++ } }), {
        name: "bystander",
        priority: 200,
      });
      const yaml = `plugins:\n  - name: hostile\n    kind: wasm://${join(dir, "hostile.wasm")}\n    hooks: [tool_pre_invoke]\n    on_error: ignore\n    execution: ${execution}\n${limits === undefined ? "" : `    limits: ${limits}\n`}`;
      if (expectLoad !== undefined) {
        await expect(m.loadConfigYaml(yaml)).rejects.toThrow(new RegExp(expectLoad));
        expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
        expect(ran).toBe(1);
        await m.shutdown();
        return;
      }
      await m.loadConfigYaml(yaml);
      for (let i = 0; i < 2; i++) {
        const r = await m.invoke("tool_pre_invoke", { name: "t" });
        expect(r.continueProcessing).toBe(true);
        expect(r.errors.map((e) => e.code)).toEqual([expectCode]);
      }
      expect(ran).toBe(2); // the pipeline carried on each time
      await m.shutdown();
    });
  }
});
