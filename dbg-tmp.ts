import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginManager, silentLogger } from "./src/core/index.js";
import { registerWasmHost } from "./src/hosts/wasm/index.js";
import { echoGuest } from "./test/helpers/wasm-host.js";
import { wat2wasm } from "./test/helpers/wat.js";
const dir = mkdtempSync(join(tmpdir(), "x-"));
writeFileSync(join(dir, "e.wasm"), await wat2wasm(echoGuest("payload")));
const m = new PluginManager({ logger: silentLogger });
registerWasmHost(m, { workers: 1 });
await m.loadConfigYaml(`plugins:\n  - { name: e, kind: "wasm://${join(dir, "e.wasm")}", hooks: [tool_pre_invoke], execution: worker }\n`);
const p = () => ({ name: "search", args: { query: "x".repeat(1000) } });
for (let round = 0; round < 4; round++) {
  const N = 3000;
  const t = performance.now();
  for (let i = 0; i < N; i++) await m.invoke("tool_pre_invoke", p());
  console.log("invoke µs", ((performance.now() - t) * 1000 / N).toFixed(1));
}
await m.initialize(); await m.shutdown();
