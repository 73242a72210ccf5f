// The YAML examples in docs/configuration.md must stay valid.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/index.js";
import { resolvePluginsForEntity } from "../../../src/core/routing/index.js";

const doc = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("docs/configuration.md examples", () => {
  it("the complete example loads without warnings and routes as described", () => {
    const warnings: string[] = [];
    const c = parseConfig(blocks[0]!, { file: "cpex.yaml", warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(c.plugins.map((p) => p.name)).toEqual(["url_guard", "audit"]);
    expect(c.plugins[0]?.extra).toHaveProperty("limits");
    expect(c.pluginSettings.raw).toHaveProperty("wasm");
    const lineup = resolvePluginsForEntity(c, { entityType: "tool", entityName: "get_user" });
    expect(lineup).toEqual([{ name: "audit" }, { name: "url_guard", configOverride: { strict: true } }]);
  });

  it("every fragment is valid YAML", async () => {
    const { parse } = await import("yaml");
    expect(blocks.length).toBeGreaterThan(4);
    for (const b of blocks) expect(() => parse(b)).not.toThrow();
  });
});
