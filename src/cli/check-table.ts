// The table `cpex check` prints: one row per plugin with what it loaded as (name, kind, hooks, mode, priority,
// on_error, capabilities, limits, sha256, load time), so an operator sees the effective pipeline at a glance.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { CpexConfig, PluginConfig } from "../core/index.js";
import { WASM_SCHEME } from "../hosts/wasm/index.js";
import { table } from "./output.js";

export const CHECK_COLUMNS = [
  "name",
  "kind",
  "hooks",
  "mode",
  "priority",
  "on_error",
  "capabilities",
  "limits",
  "sha256",
  "load",
] as const;

/** `limits:` as written: plugin_settings.wasm.limits overlaid by the plugin's own (the rest are defaults). */
function limitsText(p: PluginConfig, config: CpexConfig): string {
  const wasm = config.pluginSettings.raw["wasm"];
  const base =
    wasm !== null && typeof wasm === "object" ? (wasm as Record<string, unknown>)["limits"] : undefined;
  const merged = {
    ...(base !== null && typeof base === "object" ? base : {}),
    ...((p.extra["limits"] as Record<string, unknown> | undefined) ?? {}),
  };
  const parts = Object.entries(merged).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? "defaults" : parts.join(" ");
}

/** The first 12 hex digits of the module's sha256 (enough to compare with `cpex inspect`), or "-". */
async function shortSha(p: PluginConfig, config: CpexConfig): Promise<string> {
  if (!p.kind.startsWith(WASM_SCHEME)) return "-";
  const rel = p.kind.slice(WASM_SCHEME.length);
  const file = isAbsolute(rel) ? rel : resolve(config.configDir ?? process.cwd(), rel);
  try {
    return createHash("sha256")
      .update(await readFile(file))
      .digest("hex")
      .slice(0, 12);
  } catch {
    return "-";
  }
}

export async function checkRow(
  p: PluginConfig,
  config: CpexConfig,
  outcome: { loadMs?: number; status: string },
): Promise<string[]> {
  const wasm = p.kind.startsWith(WASM_SCHEME);
  return [
    p.name,
    p.kind,
    p.hooks.join(","),
    p.mode,
    String(p.priority),
    p.onError,
    p.capabilities.length === 0 ? "-" : p.capabilities.join(","),
    wasm ? limitsText(p, config) : "-",
    await shortSha(p, config),
    outcome.loadMs === undefined ? outcome.status : `${outcome.loadMs.toFixed(1)} ms`,
  ];
}

export function checkTable(rows: readonly (readonly string[])[]): string {
  return table(CHECK_COLUMNS, rows);
}
