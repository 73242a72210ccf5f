// `cpex run <config> --hook H --payload P`: the whole pipeline of a config on one payload, and
// `cpex call <plugin.wasm> --hook H --payload P`: one module alone (`invoke` is its old name, kept as an alias).
// Exit codes: 0 the request is allowed, 1 it is denied, 2 the CLI could not run it (docs/limits.md).

import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { type PipelineResult, parseConfig, pipelineResultToWire } from "../core/index.js";
import { WASM_SCHEME } from "../hosts/wasm/index.js";
import { changes, formatChanges } from "./diff.js";
import { positiveInt, readJson, readJsonObject } from "./input.js";
import { paint, table } from "./output.js";
import {
  type LoadedPipeline,
  openConfig,
  openConfigFile,
  pluginReport,
  type RunInput,
  runOnce,
  type SkippedPlugin,
} from "./pipeline.js";

interface RunFlags {
  hook: string;
  payload: string;
  extensions?: string;
  context?: string;
  repeat: string;
  json?: boolean;
}

interface CallFlags extends RunFlags {
  fuel?: string;
  timeoutMs?: string;
  memoryMb?: string;
  config?: string;
  execution?: string;
}

/** The exit code of a finished run: 0 allow, 1 deny. */
export function decisionCode(result: PipelineResult): 0 | 1 {
  return result.continueProcessing ? 0 : 1;
}

async function readInput(flags: RunFlags): Promise<RunInput> {
  return {
    hook: flags.hook,
    payload: await readJson(flags.payload, "--payload"),
    ...(flags.extensions === undefined
      ? {}
      : { extensions: await readJsonObject(flags.extensions, "--extensions") }),
    ...(flags.context === undefined ? {} : { context: await readJsonObject(flags.context, "--context") }),
  };
}

function median(sorted: readonly number[]): number {
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Run `input` `repeat` times on `pipe`, print the last result (human or JSON) and set the exit code. */
async function runAndReport(
  pipe: LoadedPipeline,
  input: RunInput,
  repeat: number,
  json: boolean,
): Promise<void> {
  const { manager, skipped } = pipe;
  const times: number[] = [];
  let result: PipelineResult | undefined;
  try {
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      result = await runOnce(manager, input);
      times.push(performance.now() - started);
    }
  } finally {
    await manager.shutdown();
  }
  if (result === undefined) return;
  times.sort((a, b) => a - b);
  const plugins = (result.trace ?? []).map(pluginReport);
  const context = {
    global_state: result.contextTable.globalState,
    local_states: Object.fromEntries(manager.localStates(result.contextTable)),
  };
  const timing = {
    runs: repeat,
    min_ms: round(times[0] ?? 0),
    median_ms: round(median(times)),
    max_ms: round(times[times.length - 1] ?? 0),
  };
  if (json) {
    const doc = {
      decision: result.continueProcessing ? "allow" : "deny",
      hook: input.hook,
      result: pipelineResultToWire(result),
      plugins,
      skipped,
      context,
      timing,
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    printHuman(result, input, plugins, skipped, timing);
  }
  process.exitCode = decisionCode(result);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function printHuman(
  result: PipelineResult,
  input: RunInput,
  plugins: ReturnType<typeof pluginReport>[],
  skipped: readonly SkippedPlugin[],
  timing: { runs: number; median_ms: number },
): void {
  for (const s of skipped) console.error(paint(`skipped ${s.name} (${s.kind}): ${s.reason}`, "dim"));
  const rows = plugins.map((p) => [
    p.plugin,
    p.phase,
    p.outcome,
    `${p.duration_ms.toFixed(3)} ms`,
    p.fuel_used === undefined ? "" : p.fuel_used.toLocaleString("en-US"),
    p.memory_bytes === undefined ? "" : `${p.memory_bytes / 1024} KiB`,
    p.violation !== undefined
      ? `${p.violation.code}: ${p.violation.reason}`
      : p.error !== undefined
        ? `${p.error.code}: ${p.error.message}`
        : "",
  ]);
  if (rows.length === 0) console.log(`no plugin handles '${input.hook}'`);
  else
    console.log(table(["plugin", "phase", "decision", "time", "fuel", "memory", "violation / error"], rows));
  const v = result.violation;
  console.log(
    result.continueProcessing
      ? paint("decision: allow", "green")
      : paint(`decision: deny${v === undefined ? "" : ` (${v.code}: ${v.reason})`}`, "red"),
  );
  if (timing.runs > 1) console.log(`${timing.runs} runs, median ${timing.median_ms} ms`);
  if (result.continueProcessing && result.payloadModified) {
    console.log("payload modified:");
    for (const line of formatChanges(changes(input.payload, result.modifiedPayload)))
      console.log(`  ${line}`);
  }
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--hook <hook>", "hook name, e.g. tool_pre_invoke")
    .requiredOption("--payload <file|->", "payload: a JSON file, - for stdin, or inline JSON")
    .option("--extensions <file|->", "extensions as JSON (file, - or inline)")
    .option(
      "--context <file>",
      "a previous run's `context` (--json output) to continue a request (pre -> post)",
    )
    .option("--repeat <n>", "run the payload n times and report the last result with timings", "1")
    .option("--json", "print exactly one JSON document on stdout");
}

export function registerRunCommands(program: Command): void {
  addRunOptions(
    program
      .command("run")
      .description("run a hook through a config's wasm:// plugins; exit 0 allow, 1 deny, 2 error")
      .argument("<config>", "cpex YAML file"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ cpex run cpex.yaml --hook tool_pre_invoke --payload payload.json --json",
    )
    .action(async (path: string, flags: RunFlags) => {
      const repeat = positiveInt(flags.repeat, "--repeat");
      const input = await readInput(flags);
      const pipe = await openConfigFile(path, flags.json === true);
      await runAndReport(pipe, input, repeat, flags.json === true);
    });

  addRunOptions(
    program
      .command("call")
      .alias("invoke")
      .description("run one hook of one .wasm plugin (no config file needed); exit 0 allow, 1 deny, 2 error")
      .argument("<plugin>", ".wasm file"),
  )
    .option("--fuel <n>", "fuel per call")
    .option("--timeout-ms <n>", "wall-clock limit per call")
    .option("--memory-mb <n>", "linear memory limit")
    .option("--config <file>", "the plugin's config: as JSON (file, - or inline)")
    .option("--execution <mode>", "inline or worker")
    .addHelpText(
      "after",
      '\nExample:\n  $ cpex call my_plugin.wasm --hook tool_pre_invoke --payload \'{"name":"search","args":{}}\' --fuel 1000000',
    )
    .action(async (file: string, flags: CallFlags) => {
      const repeat = positiveInt(flags.repeat, "--repeat");
      const input = await readInput(flags);
      const yaml = await singlePluginYaml(file, { ...flags, hooks: [flags.hook] });
      const pipe = await openConfig(parseConfig(yaml, { file: "<cpex call>" }), flags.json === true);
      await runAndReport(pipe, input, repeat, flags.json === true);
    });
}

/** A one-plugin config for `file` with the limits and config given as flags. */
export async function singlePluginYaml(
  file: string,
  flags: {
    hooks: readonly string[];
    /** The plugin's config as a value (inspect); `config` is a JSON source (file, - or inline). */
    configValue?: Record<string, unknown>;
    fuel?: string;
    timeoutMs?: string;
    memoryMb?: string;
    config?: string;
    execution?: string;
  },
): Promise<string> {
  const limits: Record<string, number> = {};
  if (flags.fuel !== undefined) limits["fuel"] = positiveInt(flags.fuel, "--fuel");
  if (flags.timeoutMs !== undefined) limits["timeout_ms"] = positiveInt(flags.timeoutMs, "--timeout-ms");
  if (flags.memoryMb !== undefined) limits["memory_mb"] = positiveInt(flags.memoryMb, "--memory-mb");
  const plugin: Record<string, unknown> = {
    name:
      basename(file)
        .replace(/\.wasm$/, "")
        .replace(/[^A-Za-z0-9_-]/g, "_") || "plugin",
    kind: `${WASM_SCHEME}${resolve(file)}`,
    hooks: [...flags.hooks],
  };
  if (Object.keys(limits).length > 0) plugin["limits"] = limits;
  if (flags.configValue !== undefined) plugin["config"] = flags.configValue;
  else if (flags.config !== undefined) plugin["config"] = await readJsonObject(flags.config, "--config");
  if (flags.execution !== undefined) plugin["execution"] = flags.execution;
  return stringify({ plugins: [plugin] });
}
