#!/usr/bin/env node
// `cpex`: scaffold, build, inspect, check, run and profile plugins from the command line. Exit codes: 0 ok or
// allow, 1 deny or a failed check, 2 the command could not do its work (docs/limits.md, "Exit codes").
import { Command, CommanderError } from "commander";
import { ConfigError, consoleLogger, loadConfig, unclaimedKeyWarnings } from "../core/index.js";
import { didYouMean } from "../core/suggest.js";
import { defaultCacheDir, InstrumentCache } from "../hosts/wasm/compile-cache.js";
import { WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../hosts/wasm/index.js";
import { registerAuthorCommands } from "./author-commands.js";
import { checkRow, checkTable } from "./check-table.js";
import { registerInspectCommand } from "./inspect-command.js";
import { reportError } from "./output.js";
import { registerProfileCommand } from "./profile-command.js";
import { registerRunCommands } from "./run-command.js";
import { packageVersion } from "./version.js";

// `cpex inspect x.wasm | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const program = new Command("cpex")
  .description("CPEX plugin runtime tools")
  .version(packageVersion(), "-V, --version", "print the cpex version")
  .option("--debug", "show stack traces of errors")
  .showHelpAfterError()
  // Set before the sub-commands are added (they copy it): usage errors then exit 2, not commander's 1.
  .exitOverride();

registerInspectCommand(program);

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
  .option("--strict", "fail (exit 1) on warnings too")
  .addHelpText("after", "\nExample:\n  $ cpex check cpex.yaml --strict")
  .action(async (path: string, flags: { strict?: boolean }) => {
    let warnings = 0;
    try {
      const factory = new WasmPluginFactory(new WasmEngine());
      const config = await loadConfig(path, {
        warn: (m) => {
          warnings++;
          console.warn(`warning: ${m}`);
        },
        hostPluginKeys: factory.pluginKeys,
      });
      const ctx = {
        ...(config.configDir === undefined ? {} : { configDir: config.configDir }),
        settings: config.pluginSettings,
        logger: consoleLogger,
      };
      let failed = 0;
      const rows: string[][] = [];
      for (const p of config.plugins) {
        const scheme = kindScheme(p.kind);
        rows.push(await checkRow(p, config, { status: scheme === undefined ? "native" : "failed" }));
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
        for (const w of unclaimedKeyWarnings(p, factory)) {
          warnings++;
          console.warn(`warning: ${w}`);
        }
        try {
          const started = performance.now();
          const instance = await factory.create(p, ctx);
          rows[rows.length - 1] = await checkRow(p, config, {
            loadMs: performance.now() - started,
            status: "ok",
          });
          console.log(`  ${p.name}: ok (${instance.handlers.map((h) => h.hook).join(", ")})`);
          await instance.plugin.shutdown?.();
        } catch (err) {
          failed++;
          console.log(`  ${p.name}: ${(err as Error).message}`);
        }
      }
      if (rows.length > 0) console.log(checkTable(rows));
      console.log(`${path}: ${config.plugins.length} plugins, ${failed} failed`);
      // CPEX ignores unknown top-level keys, so loading only warns; a check exists to catch the typo.
      for (const key of config.unknownKeys) console.log(`  unknown top-level key '${key}'`);
      if (failed > 0 || config.unknownKeys.length > 0) process.exitCode = 1;
      if (flags.strict === true && warnings > 0) process.exitCode = 1;
    } catch (err) {
      console.error(err instanceof ConfigError ? err.message : String(err));
      process.exitCode = 1;
    }
  });

registerRunCommands(program);
registerProfileCommand(program);
registerAuthorCommands(program);

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

try {
  await program.parseAsync();
} catch (err) {
  // Commander has printed its own message (usage errors, --help, --version): only the exit code is ours.
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else
    reportError(err, program.opts<{ debug?: boolean }>().debug === true || process.argv.includes("--debug"));
}
