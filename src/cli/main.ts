#!/usr/bin/env node
// `cpex`: inspect WebAssembly plugins and check configs from the command line.
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import {
  ConfigError,
  consoleLogger,
  loadConfig,
  PluginManager,
  pipelineResultToWire,
  unclaimedKeyWarnings,
} from "../core/index.js";
import { didYouMean } from "../core/suggest.js";
import { defaultCacheDir, InstrumentCache } from "../hosts/wasm/compile-cache.js";
import {
  inspect,
  instrument,
  registerWasmHost,
  WASM_SCHEME,
  WasmEngine,
  WasmPluginFactory,
} from "../hosts/wasm/index.js";

const program = new Command("cpex").description("CPEX plugin runtime tools");

program
  .command("inspect")
  .description("show a WebAssembly module's imports, exports, memory and what instrumentation does to it")
  .argument("<file>", ".wasm file")
  .action(async (file: string) => {
    const bytes = new Uint8Array(await readFile(file));
    const summary = inspect(bytes);
    console.log(`${file}: ${summary.bytes} bytes, ${summary.functions.defined} functions`);
    for (const i of summary.imports)
      console.log(`  import ${i.module}.${i.name} (${i.kind}) ${i.signature ?? ""}`);
    for (const e of summary.exports) console.log(`  export ${e.name} (${e.kind}) ${e.signature ?? ""}`);
    for (const m of summary.memories)
      console.log(`  memory min ${m.min} pages${m.max === undefined ? "" : `, max ${m.max}`}`);
    try {
      const { report } = instrument(bytes);
      console.log(
        `  instrumented: ${report.outputBytes} bytes (+${((report.outputBytes / report.inputBytes - 1) * 100).toFixed(1)} %), ` +
          `${report.charges} charges, ${report.checks} checks, ${report.timeMs.toFixed(1)} ms`,
      );
      for (const a of report.adjustments) console.log(`  ${a}`);
    } catch (err) {
      console.log(`  cannot be sandboxed: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  });

/** The kind schemes this CLI can load; any other `something://` kind is a typo or a host it does not have. */
const CLI_SCHEMES: readonly string[] = [WASM_SCHEME];

/** `wasmm://x.wasm` → `wasmm://`; kinds without `://` are native kinds (no scheme). */
function kindScheme(kind: string): string | undefined {
  const at = kind.indexOf("://");
  return at < 0 ? undefined : kind.slice(0, at + 3);
}

program
  .command("check")
  .description("validate a config file and load (instrument, instantiate, init) its wasm:// plugins")
  .argument("<config>", "cpex YAML file")
  .action(async (path: string) => {
    try {
      const factory = new WasmPluginFactory(new WasmEngine());
      const config = await loadConfig(path, {
        warn: (m) => console.warn(`warning: ${m}`),
        hostPluginKeys: factory.pluginKeys,
      });
      const ctx = {
        ...(config.configDir === undefined ? {} : { configDir: config.configDir }),
        settings: config.pluginSettings,
        logger: consoleLogger,
      };
      let failed = 0;
      for (const p of config.plugins) {
        const scheme = kindScheme(p.kind);
        if (scheme === undefined) {
          console.log(`  ${p.name}: kind '${p.kind}' (native, provided by the embedding application)`);
          continue;
        }
        if (!CLI_SCHEMES.includes(scheme)) {
          failed++;
          console.log(
            `  ${p.name}: kind '${p.kind}' uses unknown scheme '${scheme}' (known: ${CLI_SCHEMES.join(", ")})${didYouMean(scheme, CLI_SCHEMES)}`,
          );
          continue;
        }
        // The keys the wasm factory does not read draw the warning a manager would give when loading.
        for (const w of unclaimedKeyWarnings(p, factory)) console.warn(`warning: ${w}`);
        try {
          const instance = await factory.create(p, ctx);
          console.log(`  ${p.name}: ok (${instance.handlers.map((h) => h.hook).join(", ")})`);
          await instance.plugin.shutdown?.();
        } catch (err) {
          failed++;
          console.log(`  ${p.name}: ${(err as Error).message}`);
        }
      }
      console.log(`${path}: ${config.plugins.length} plugins, ${failed} failed`);
      // CPEX ignores unknown top-level keys, so loading only warns; a check exists to catch the typo.
      for (const key of config.unknownKeys) console.log(`  unknown top-level key '${key}'`);
      if (failed > 0 || config.unknownKeys.length > 0) process.exitCode = 1;
    } catch (err) {
      console.error(err instanceof ConfigError ? err.message : String(err));
      process.exitCode = 1;
    }
  });

program
  .command("invoke")
  .description("run a hook through a config's plugins (wasm:// plugins only) and print the result")
  .argument("<config>", "cpex YAML file")
  .argument("<hook>", "hook name, e.g. tool_pre_invoke")
  .argument("<payload>", "payload as JSON")
  .action(async (path: string, hook: string, payload: string) => {
    const manager = new PluginManager({ logger: consoleLogger });
    registerWasmHost(manager);
    try {
      await manager.loadConfigFile(path);
      await manager.initialize();
      const result = await manager.invoke(hook, JSON.parse(payload) as unknown, { trace: true });
      console.log(JSON.stringify(pipelineResultToWire(result), null, 2));
      for (const t of result.trace ?? []) {
        console.log(
          `  ${t.phase} ${t.plugin}: ${t.outcome} (${t.durationMs.toFixed(3)} ms${t.telemetry === undefined ? "" : `, fuel ${t.telemetry["fuel_used"]}`})`,
        );
      }
      await manager.shutdown();
    } catch (err) {
      console.error((err as Error).message);
      process.exitCode = 1;
    }
  });

const cache = program
  .command("cache")
  .description("the persistent instrumentation cache (plugin_settings.wasm.cache_dir)");
const cacheDirOption = (): string => defaultCacheDir();

cache
  .command("list")
  .description("list the cached instrumented modules")
  .option("--dir <dir>", "cache directory (default: the default cache_dir)")
  .action(async (opts: { dir?: string }) => {
    const dir = opts.dir ?? cacheDirOption();
    const entries = await new InstrumentCache(dir).list();
    console.log(`${dir}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`);
    for (const e of entries)
      console.log(`  ${e.input ?? "?"}  ${e.bytes} bytes  ${e.modified.toISOString()}  ${e.file}`);
  });

cache
  .command("clear")
  .description("remove every cached instrumented module")
  .option("--dir <dir>", "cache directory (default: the default cache_dir)")
  .action(async (opts: { dir?: string }) => {
    const dir = opts.dir ?? cacheDirOption();
    const removed = await new InstrumentCache(dir).clear();
    console.log(`${dir}: removed ${removed} entr${removed === 1 ? "y" : "ies"}`);
  });

await program.parseAsync();
