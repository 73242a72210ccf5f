// `npm run demo`: a pipeline of native and WebAssembly plugins on a few sample requests, printing what every
// phase and plugin did.

import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createExtensions, type PipelineResult, PluginManager, silentLogger } from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { demoFactories } from "./native/demo-plugins.js";
import { buildDemoPlugins } from "./wasm/build.js";

const here = dirname(fileURLToPath(import.meta.url));
const color = process.stdout.isTTY
  ? (c: number, s: string) => `\x1b[${c}m${s}\x1b[0m`
  : (_: number, s: string) => s;
const dim = (s: string) => color(2, s);
const bold = (s: string) => color(1, s);

const clip = (s: string, n = 240) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function printResult(title: string, payload: unknown, r: PipelineResult): void {
  console.log(`\n${bold(title)}`);
  console.log(dim(`  payload in: ${clip(JSON.stringify(payload))}`));
  for (const t of r.trace ?? []) {
    const tel = t.telemetry;
    const wasm =
      tel === undefined
        ? ""
        : dim(
            `  fuel ${tel["fuel_used"]}  pages ${tel["memory_pages"]}  [wasm${tel["execution"] === "worker" ? ", worker thread" : ""}]`,
          );
    const padded = t.outcome.padEnd(12);
    const outcome =
      t.outcome === "deny"
        ? color(31, padded)
        : t.outcome === "error" || t.outcome === "timeout"
          ? color(33, padded)
          : padded;
    const ms = `${t.durationMs.toFixed(3)} ms`.padStart(10);
    console.log(`  ${t.phase.padEnd(16)} ${t.plugin.padEnd(13)} ${outcome} ${ms}${wasm}`);
    if (t.error !== undefined) console.log(color(33, `      ${t.error.code}: ${t.error.message}`));
  }
  if (!r.continueProcessing) {
    console.log(
      `  ${color(31, "✘ denied")} by ${r.violation?.pluginName}: [${r.violation?.code}] ${r.violation?.reason}`,
    );
    return;
  }
  console.log(
    `  ${color(32, "✔ allowed")}${r.payloadModified ? ` — payload modified: ${clip(JSON.stringify(r.modifiedPayload))}` : ""}`,
  );
  const labels = r.modifiedExtensions.security?.labels;
  const headers = r.modifiedExtensions.http?.requestHeaders;
  if (labels !== undefined && labels.size > 0) console.log(`  labels:  ${[...labels].join(", ")}`);
  if (headers !== undefined)
    console.log(
      `  headers: ${Object.entries(headers)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}`,
    );
  for (const e of r.errors)
    console.log(color(33, `  recorded error (on_error: ignore): ${e.pluginName}: ${e.code}: ${e.message}`));
}

async function main(): Promise<void> {
  await mkdir(join(here, "wasm/build"), { recursive: true });
  await buildDemoPlugins(join(here, "wasm/build"));

  const manager = new PluginManager({ logger: silentLogger });
  for (const [kind, factory] of Object.entries(demoFactories)) manager.registerFactory(kind, factory);
  registerWasmHost(manager);
  await manager.loadConfigFile(join(here, "demo.yaml"));
  await manager.initialize();
  console.log(
    bold("cpex demo") +
      dim(` — ${manager.pluginCount} plugins from examples/demo.yaml (native + WebAssembly)`),
  );

  const ext = () =>
    createExtensions({
      request: { requestId: "req-1" },
      security: { labels: ["internal"] },
      http: { requestHeaders: { "user-agent": "demo" }, responseHeaders: {} },
    });

  const requests: Array<[string, { name: string; args: Record<string, unknown> }]> = [
    ["1. an ordinary tool call", { name: "search", args: { query: "weather in Paris", limit: 10 } }],
    [
      "2. PII masked by pii_redactor (WebAssembly), a password by arg_redactor (native), tags by tool_tagger",
      {
        name: "db_query",
        args: {
          sql: "SELECT * FROM customers WHERE email = 'alice.smith@example.com'",
          note: "call back on (555) 123-4567 about card 4111 1111 1111 1111",
          password: "hunter2",
        },
      },
    ],
    ["3. a dangerous tool is denied (native)", { name: "shell_exec", args: { cmd: "rm -rf /" } }],
    [
      "4. SQL injection is denied (WebAssembly, WAT)",
      { name: "query", args: { sql: "x'; DROP TABLE users; --" } },
    ],
    [
      "5. a credential is denied by secrets_scanner (WebAssembly)",
      { name: "configure", args: { env: "GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" } },
    ],
  ];
  let lastContext: PipelineResult["contextTable"] | undefined;
  for (const [title, payload] of requests) {
    const r = await manager.invoke("tool_pre_invoke", payload, { extensions: ext(), trace: true });
    if (r.continueProcessing) lastContext = r.contextTable;
    printResult(`${title} — tool_pre_invoke`, payload, r);
  }
  for (const [title, uri] of [
    ["6. a resource fetch allowed by url_guard (WebAssembly)", "https://docs.example.com/guide"],
    ["7. an SSRF attempt denied by url_guard", "https://169.254.169.254/latest/meta-data/"],
  ] as const) {
    const payload = { uri, metadata: {} };
    printResult(
      `${title} — resource_pre_fetch`,
      payload,
      await manager.invoke("resource_pre_fetch", payload, { trace: true }),
    );
  }

  // A ~2 KiB tool result (the typical post-hook size) with a phone number in it.
  const rows = Array.from({ length: 24 }, (_, i) => ({
    id: i,
    city: "Paris",
    temperature: 18 + (i % 5),
    note: "sunny",
  }));
  const post = {
    name: "search",
    result: {
      content: [{ type: "text", text: "Forecast ready; questions: +1-800-555-0199" }],
      structuredContent: rows,
      isError: false,
    },
  };
  const r = await manager.invoke("tool_post_invoke", post, {
    extensions: ext(),
    contextTable: lastContext,
    trace: true,
  });
  printResult(
    "8. tool_post_invoke: pii_redactor, circuit_breaker and a runaway WebAssembly plugin (infinite loop)",
    post,
    r,
  );
  console.log(
    dim("\n  The runaway plugin was stopped by its fuel budget; on_error: ignore let the pipeline carry on."),
  );
  console.log(
    dim(
      "  secrets_scanner ran on a worker thread (execution: worker): a runaway there never blocks this event loop.",
    ),
  );
  console.log(dim(`  Background tasks (fire_and_forget): ${r.background.count}; waiting…`));
  await r.background.wait();
  await manager.shutdown();
  console.log(dim("  done."));
}

await main();
