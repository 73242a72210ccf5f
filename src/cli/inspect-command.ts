// `cpex inspect <plugin.wasm>`: what a module is and whether this host will load it — size, sha256, imports (and
// which the sandbox refuses), exports, declared hooks, memory declared and effective, the instrumenter's report,
// and a start-up trial (instantiate, ABI version, cpex_init) under the default limits.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { parseConfig } from "../core/index.js";
import { readHookDeclaration } from "../hosts/wasm/abi/hook-declaration.js";
import { checkImports, type DeclaredImport, type ValType } from "../hosts/wasm/abi/signatures.js";
import { type CompiledPlugin, CompileError, sha256Hex, WasmEngine } from "../hosts/wasm/engine.js";
import { DEFAULT_LIMITS, inspect, type ModuleSummary } from "../hosts/wasm/index.js";
import { readJsonObject } from "./input.js";
import { CliError, formatBytes, paint } from "./output.js";
import { openConfig } from "./pipeline.js";
import { singlePluginYaml } from "./run-command.js";

const PAGE = 65_536;

export interface InspectReport {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly loadable: boolean;
  /** Why it is not loadable (empty when it is). */
  readonly problems: readonly string[];
  readonly abi_version?: number;
  readonly hooks?: readonly string[];
  readonly imports: ReadonlyArray<{
    module: string;
    name: string;
    kind: string;
    signature?: string;
    refused?: string;
  }>;
  readonly exports: ReadonlyArray<{ name: string; kind: string; signature?: string }>;
  readonly memory?: { declared_min_bytes: number; declared_max_bytes?: number; effective_max_bytes?: number };
  readonly instrumentation?: {
    output_bytes: number;
    growth_percent: number;
    charges: number;
    checks: number;
    time_ms: number;
  };
}

/** Parse "(i32, i32) -> (i32)" back into a signature for checkImports. */
function declaredImport(i: ModuleSummary["imports"][number]): DeclaredImport {
  const m = /^\((.*)\) -> \((.*)\)$/.exec(i.signature ?? "");
  const list = (s: string) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "") as ValType[];
  return {
    module: i.module,
    name: i.name,
    kind: i.kind as DeclaredImport["kind"],
    ...(m === null ? {} : { sig: { params: list(m[1] ?? ""), results: list(m[2] ?? "") } }),
  };
}

export async function inspectFile(file: string, config?: Record<string, unknown>): Promise<InspectReport> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new CliError(`cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const sha256 = sha256Hex(bytes);
  let summary: ModuleSummary;
  try {
    summary = inspect(bytes);
  } catch (err) {
    const message = (err as Error).message;
    const problems = [
      message.startsWith("not a WebAssembly module") ? message : `not a WebAssembly module: ${message}`,
    ];
    return { file, bytes: bytes.length, sha256, loadable: false, problems, imports: [], exports: [] };
  }
  const imports = summary.imports.map((i) => {
    const refused = checkImports([declaredImport(i)])[0];
    return { ...i, ...(refused === undefined ? {} : { refused }) };
  });
  const problems: string[] = [];
  let compiled: CompiledPlugin | undefined;
  try {
    compiled = await new WasmEngine().compile(bytes, {
      maxMemoryPages: Math.floor((DEFAULT_LIMITS.memoryMb * 1024 * 1024) / PAGE),
      maxTables: DEFAULT_LIMITS.maxTables,
      maxTableElements: DEFAULT_LIMITS.maxTableElements,
    });
  } catch (err) {
    problems.push(...(err instanceof CompileError ? err.problems : [(err as Error).message]));
  }
  let hooks: readonly string[] | undefined;
  let abi: number | undefined;
  if (compiled !== undefined) {
    try {
      hooks = readHookDeclaration(compiled.module);
      if (hooks === undefined) problems.push("the module does not declare its hooks (no cpex.hooks section)");
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (compiled !== undefined && hooks !== undefined && problems.length === 0) {
    // A start-up trial through the real factory: it checks the ABI version and runs cpex_init with `config`.
    try {
      const yaml = await singlePluginYaml(file, {
        hooks,
        ...(config === undefined ? {} : { configValue: config }),
      });
      const pipe = await openConfig(parseConfig(yaml, { file: "<cpex inspect>" }), true);
      await pipe.manager.shutdown();
      abi = 1;
    } catch (err) {
      problems.push(`start-up failed: ${(err as Error).message}`);
    }
  }
  const mem = summary.memories[0];
  const report = compiled?.report;
  return {
    file,
    bytes: bytes.length,
    sha256,
    loadable: problems.length === 0,
    problems,
    ...(abi === undefined ? {} : { abi_version: abi }),
    ...(hooks === undefined ? {} : { hooks }),
    imports,
    exports: summary.exports,
    ...(mem === undefined
      ? {}
      : {
          memory: {
            declared_min_bytes: mem.min * PAGE,
            ...(mem.max === undefined ? {} : { declared_max_bytes: mem.max * PAGE }),
            ...(compiled === undefined ? {} : { effective_max_bytes: compiled.memoryCapPages * PAGE }),
          },
        }),
    ...(report === undefined
      ? {}
      : {
          instrumentation: {
            output_bytes: report.outputBytes,
            growth_percent: Math.round((report.outputBytes / report.inputBytes - 1) * 1000) / 10,
            charges: report.charges,
            checks: report.checks,
            time_ms: Math.round(report.timeMs * 10) / 10,
          },
        }),
  };
}

function printReport(r: InspectReport): void {
  console.log(`${r.file}: ${formatBytes(r.bytes)} (${r.bytes} bytes)`);
  console.log(`  sha256       ${r.sha256}`);
  console.log(
    `  verdict      ${
      r.loadable
        ? paint(`loadable cpex plugin (ABI v${r.abi_version ?? 1})`, "green")
        : paint("not loadable by this host", "red")
    }`,
  );
  for (const p of r.problems) console.log(`    - ${p}`);
  if (r.hooks !== undefined) console.log(`  hooks        ${r.hooks.join(", ")}`);
  if (r.memory !== undefined) {
    const m = r.memory;
    const max = m.declared_max_bytes === undefined ? "no max" : `max ${formatBytes(m.declared_max_bytes)}`;
    const eff =
      m.effective_max_bytes === undefined
        ? ""
        : `; effective cap ${formatBytes(m.effective_max_bytes)} (memory_mb ${DEFAULT_LIMITS.memoryMb})`;
    console.log(`  memory       declared min ${formatBytes(m.declared_min_bytes)}, ${max}${eff}`);
  }
  if (r.instrumentation !== undefined) {
    const i = r.instrumentation;
    console.log(
      `  instrumented ${formatBytes(i.output_bytes)} (+${i.growth_percent} %), ${i.charges} charges, ${i.checks} checks, ${i.time_ms} ms`,
    );
  }
  console.log(`  imports (${r.imports.length})`);
  for (const i of r.imports) {
    const line = `    ${i.module}.${i.name} ${i.signature ?? `(${i.kind})`}`;
    console.log(i.refused === undefined ? line : paint(`${line}  REFUSED: ${i.refused}`, "red"));
  }
  console.log(`  exports (${r.exports.length})`);
  for (const e of r.exports) console.log(`    ${e.name} (${e.kind}) ${e.signature ?? ""}`.trimEnd());
}

export function registerInspectCommand(program: Command): void {
  program
    .command("inspect")
    .description(
      "show a .wasm module's sha256, verdict, imports (refused ones), exports, hooks, memory, instrumentation",
    )
    .argument("<file>", ".wasm file")
    .option("--config <json>", "the plugin's config for the start-up trial (file, - or inline JSON)")
    .option("--json", "print exactly one JSON document on stdout")
    .addHelpText("after", "\nExample:\n  $ cpex inspect my_plugin.wasm --json")
    .action(async (file: string, flags: { json?: boolean; config?: string }) => {
      const config = flags.config === undefined ? undefined : await readJsonObject(flags.config, "--config");
      const report = await inspectFile(file, config);
      if (flags.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
      if (!report.loadable) process.exitCode = 1;
    });
}
