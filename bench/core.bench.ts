// Core hot path: what the runtime itself costs per invoke, with no-op native plugins.
import {
  createExtensions,
  definePlugin,
  PluginManager,
  type PluginMode,
  silentLogger,
} from "../src/core/index.js";
import type { BenchSection } from "./run.js";
import { fmtNs, table, time } from "./stats.js";

function manager(
  n: number,
  modes: readonly PluginMode[] = ["sequential"],
  caps: string[] = [],
): PluginManager {
  const m = new PluginManager({ logger: silentLogger });
  for (let i = 0; i < n; i++) {
    m.register(definePlugin({ hooks: { tool_pre_invoke() {} } }), {
      name: `p${i}`,
      mode: modes[i % modes.length]!,
      capabilities: caps,
    });
  }
  return m;
}

export default async function run(): Promise<BenchSection> {
  const payload = { name: "search", args: { query: "weather in Paris", limit: 10 } };
  const extensions = createExtensions({
    request: { requestId: "r1" },
    security: { labels: ["internal"], subject: { id: "alice", roles: ["admin"] } },
    http: { requestHeaders: { "x-a": "1" }, responseHeaders: {} },
    meta: { entityType: "tool", entityName: "search" },
  });
  const cases: Array<[string, PluginManager, Parameters<PluginManager["invoke"]>[2]]> = [
    ["0 plugins (fast path)", manager(0), {}],
    ["1 no-op plugin", manager(1), {}],
    ["5 no-op plugins, sequential", manager(5), {}],
    [
      "5 no-op plugins, mixed phases (seq, transform, audit, concurrent)",
      manager(5, ["sequential", "transform", "audit", "concurrent"]),
      {},
    ],
    [
      "5 no-op plugins + extensions + capabilities",
      manager(5, ["sequential"], ["read_labels", "read_headers", "read_subject"]),
      { extensions },
    ],
    ["5 no-op plugins, trace on", manager(5), { trace: true }],
  ];
  const rows: string[][] = [];
  for (const [label, m, opts] of cases) {
    const t = await time(() => m.invoke("tool_pre_invoke", payload, opts), { batch: 20_000 });
    rows.push([label, fmtNs(t.nsPerOp), `${fmtNs(t.min)} – ${fmtNs(t.max)}`]);
  }
  return {
    title: "Core executor hot path",
    markdown: `Cost of one \`manager.invoke()\` (awaited) through native no-op plugins; median of 7 batches of 20 000 calls.

${table(["pipeline", "per invoke", "batch range"], rows)}

Goal (issue 3): 5 no-op plugins cost no more than a few microseconds.`,
  };
}
