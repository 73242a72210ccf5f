// `cpex profile <plugin.wasm> --hook H --payload P`: the payload at several sizes (one string field scaled by
// repeating its content), fuel, time and memory per size, and a suggested `limits:` block with its headroom
// stated. Runs with generous limits so the figures are measured, not cut off (docs/limits.md).

import type { Command } from "commander";
import { parseConfig } from "../core/index.js";
import { positiveInt, readJson } from "./input.js";
import { CliError, formatBytes, formatCount, table } from "./output.js";
import { openConfig, runOnce } from "./pipeline.js";
import { singlePluginYaml } from "./run-command.js";

/** Headroom of the suggestion over the largest size measured. */
export const HEADROOM = { fuel: 2, time: 3, memory: 1.5 } as const;
const MIB = 1024 * 1024;
const DEFAULT_SIZES = [1024, 16 * 1024, 64 * 1024, 256 * 1024];

type Json = unknown;

/** Dotted path of the longest string in `v` (`args.body`, `items[0].text`), or undefined. */
export function longestString(v: Json, path = ""): { path: string; length: number } | undefined {
  if (typeof v === "string") return { path, length: v.length };
  let best: { path: string; length: number } | undefined;
  const consider = (c: { path: string; length: number } | undefined) => {
    if (c !== undefined && (best === undefined || c.length > best.length)) best = c;
  };
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) consider(longestString(x, `${path}[${i}]`));
  } else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) consider(longestString(x, path === "" ? k : `${path}.${k}`));
  return best;
}

function splitPath(path: string): Array<string | number> {
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((p) => p !== "")
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** A copy of `payload` whose string at `path` is its own content repeated to `size` characters. */
export function scaled(payload: Json, path: string, size: number): Json {
  const copy = structuredClone(payload) as Record<string | number, unknown>;
  const keys = splitPath(path);
  let at: Record<string | number, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = keys[keys.length - 1]!;
  const seed = at[last];
  if (typeof seed !== "string" || seed === "") throw new CliError(`--field ${path}: not a non-empty string`);
  at[last] = seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
  return copy;
}

export interface ProfileRow {
  readonly size: number;
  readonly fuel: number;
  readonly time_ms: number;
  readonly memory_bytes: number;
  readonly outcome: string;
}

export function suggestLimits(rows: readonly ProfileRow[]): {
  fuel: number;
  timeout_ms: number;
  memory_mb: number;
} {
  const max = (f: (r: ProfileRow) => number) => Math.max(...rows.map(f));
  return {
    fuel: Math.ceil((max((r) => r.fuel) * HEADROOM.fuel) / 1e6) * 1e6,
    timeout_ms: Math.max(10, Math.ceil(max((r) => r.time_ms) * HEADROOM.time)),
    memory_mb: Math.max(1, Math.ceil((max((r) => r.memory_bytes) * HEADROOM.memory) / MIB)),
  };
}

interface ProfileFlags {
  hook: string;
  payload: string;
  field?: string;
  sizes?: string;
  repeat: string;
  config?: string;
  json?: boolean;
}

export function registerProfileCommand(program: Command): void {
  program
    .command("profile")
    .description("run a payload at several sizes; print fuel, time and memory and suggest a limits: block")
    .argument("<plugin>", ".wasm file")
    .requiredOption("--hook <hook>", "hook name")
    .requiredOption("--payload <file|->", "payload: a JSON file, - for stdin, or inline JSON")
    .option("--field <path>", "the string field to scale (default: the longest string), e.g. args.body")
    .option("--sizes <list>", "sizes in bytes, comma-separated (default 1024,16384,65536,262144)")
    .option("--repeat <n>", "runs per size (the median time is reported)", "3")
    .option("--config <file>", "the plugin's config as JSON (file, - or inline)")
    .option("--json", "print exactly one JSON document on stdout")
    .addHelpText(
      "after",
      "\nExample:\n  $ cpex profile pii_redactor.wasm --hook tool_post_invoke --payload result.json --field result.text",
    )
    .action(async (file: string, flags: ProfileFlags) => {
      const payload = await readJson(flags.payload, "--payload");
      const field = flags.field ?? longestString(payload)?.path;
      if (field === undefined || field === "")
        throw new CliError("--payload has no string field to scale (use --field)");
      const sizes =
        flags.sizes === undefined
          ? DEFAULT_SIZES
          : flags.sizes.split(",").map((s) => positiveInt(s.trim(), "--sizes"));
      const repeat = positiveInt(flags.repeat, "--repeat");
      // Generous limits: the point is to measure the plugin, not to stop it.
      const yaml = await singlePluginYaml(file, {
        hooks: [flags.hook],
        fuel: String(Number.MAX_SAFE_INTEGER),
        timeoutMs: "60000",
        memoryMb: "1024",
        ...(flags.config === undefined ? {} : { config: flags.config }),
      });
      const { manager } = await openConfig(parseConfig(yaml, { file: "<cpex profile>" }), true);
      const rows: ProfileRow[] = [];
      try {
        // One unmeasured call first: V8 compiles the module lazily, and the first call would pay for it.
        await runOnce(manager, { hook: flags.hook, payload: scaled(payload, field, sizes[0] ?? 1024) });
        for (const size of sizes) {
          const input = { hook: flags.hook, payload: scaled(payload, field, size) };
          const times: number[] = [];
          let last: ProfileRow | undefined;
          for (let i = 0; i < repeat; i++) {
            const t = (await runOnce(manager, input)).trace?.[0];
            if (t === undefined) throw new CliError(`the plugin does not handle '${flags.hook}'`);
            times.push(t.durationMs);
            last = {
              size,
              fuel: Number(t.telemetry?.["fuel_used"] ?? 0),
              time_ms: 0,
              memory_bytes: Number(t.telemetry?.["memory_pages"] ?? 0) * 65_536,
              outcome: t.error === undefined ? t.outcome : `${t.outcome} (${t.error.code ?? "error"})`,
            };
          }
          times.sort((a, b) => a - b);
          rows.push({
            ...last!,
            time_ms: Math.round((times[Math.floor(times.length / 2)] ?? 0) * 1000) / 1000,
          });
        }
      } finally {
        await manager.shutdown();
      }
      const limits = suggestLimits(rows);
      const headroom = `${HEADROOM.fuel}x fuel, ${HEADROOM.time}x time, ${HEADROOM.memory}x memory of the largest size measured (${formatBytes(Math.max(...sizes))})`;
      if (flags.json === true) {
        process.stdout.write(
          `${JSON.stringify({ file, hook: flags.hook, field, rows, limits, headroom }, null, 2)}\n`,
        );
        return;
      }
      console.log(`${file} ${flags.hook}, scaling ${field}:`);
      console.log(
        table(
          ["size", "fuel", "fuel/byte", "time", "memory", "outcome"],
          rows.map((r) => [
            formatBytes(r.size),
            formatCount(r.fuel),
            (r.fuel / r.size).toFixed(1),
            `${r.time_ms.toFixed(2)} ms`,
            formatBytes(r.memory_bytes),
            r.outcome,
          ]),
        ),
      );
      console.log(`\nsuggested (headroom: ${headroom}):`);
      console.log(
        `limits: { fuel: ${limits.fuel}, timeout_ms: ${limits.timeout_ms}, memory_mb: ${limits.memory_mb} }`,
      );
    });
}
