import type { CpexConfig, PluginConfig, PluginConfigInput } from "./types.js";

export interface ParseOptions {
  /** File name used in error messages (and to derive configDir). */
  file?: string;
  /** Receives non-fatal warnings (unknown keys, unhonoured settings). Default: none (they are in `warnings`). */
  warn?: (message: string) => void;
}

/** Parse and validate a YAML document (§6). Throws ConfigError naming file, plugin and field. */
export function parseConfig(text: string, options: ParseOptions = {}): CpexConfig {
  void text;
  void options;
  throw new Error("TODO");
}

/** Read, parse and validate a YAML file. */
export async function loadConfig(
  path: string,
  options: Omit<ParseOptions, "file"> = {},
): Promise<CpexConfig> {
  void path;
  void options;
  throw new Error("TODO");
}

/** Apply PluginConfig defaults to a programmatic declaration (validates like the YAML loader). */
export function normalizePluginConfig(input: PluginConfigInput): PluginConfig {
  void input;
  throw new Error("TODO");
}
