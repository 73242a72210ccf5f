// Programmatic plugin declarations (`PluginManager.register`): the same defaults and value checks the YAML loader
// applies, so a registered plugin and a loaded one are indistinguishable downstream.

import { deepFreeze } from "../guards.js";
import { ConfigError } from "./errors.js";
import { describeValue } from "./schema.js";
import {
  DEFAULT_MODE,
  DEFAULT_ON_ERROR,
  DEFAULT_PRIORITY,
  ON_ERROR_VALUES,
  PLUGIN_MODES,
  type PluginConfig,
  type PluginConfigInput,
} from "./types.js";

/** Apply PluginConfig defaults to a programmatic declaration, validating it like the YAML loader does. */
export function normalizePluginConfig(input: PluginConfigInput): PluginConfig {
  const name = input.name;
  const problems: string[] = [];
  const where = typeof name === "string" && name !== "" ? `plugin '${name}'` : "plugin";
  if (typeof name !== "string" || name === "") problems.push("name: must be a non-empty string");
  const mode = input.mode ?? DEFAULT_MODE;
  if (!(PLUGIN_MODES as readonly string[]).includes(mode)) {
    problems.push(`mode: expected one of ${PLUGIN_MODES.join("|")}, got ${describeValue(mode)}`);
  }
  const onError = input.onError ?? DEFAULT_ON_ERROR;
  if (!(ON_ERROR_VALUES as readonly string[]).includes(onError)) {
    problems.push(`onError: expected one of ${ON_ERROR_VALUES.join("|")}, got ${describeValue(onError)}`);
  }
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < -2_147_483_648 || priority > 2_147_483_647) {
    problems.push(`priority: expected a 32-bit integer, got ${describeValue(priority)}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `${where}: ${problems.join("; ")}`,
      { plugin: name },
      problems.map((p) => `${where}: ${p}`),
    );
  }
  const plugin: PluginConfig = {
    name,
    kind: input.kind ?? "native",
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.author !== undefined ? { author: input.author } : {}),
    ...(input.version !== undefined ? { version: input.version } : {}),
    hooks: [...(input.hooks ?? [])],
    mode,
    priority,
    onError,
    capabilities: [...new Set(input.capabilities ?? [])],
    tags: [...(input.tags ?? [])],
    conditions: [...(input.conditions ?? [])],
    ...(input.config !== undefined ? { config: input.config } : {}),
    extra: { ...(input.extra ?? {}) },
    ...(input.origin !== undefined ? { origin: input.origin } : {}),
  };
  return deepFreeze(plugin);
}
