// Reading a config file: the file's text goes to parseConfig (parse.ts); a file that cannot be read is a
// ConfigError naming the path as given.

import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import { type ParseOptions, parseConfig } from "./parse.js";
import type { CpexConfig } from "./types.js";

export { normalizePluginConfig } from "./normalize.js";
export { type ParseOptions, parseConfig } from "./parse.js";

/** Read, parse and validate a YAML file. Errors name the path as given. */
export async function loadConfig(
  path: string,
  options: Omit<ParseOptions, "file"> = {},
): Promise<CpexConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${path}: cannot read config file: ${reason}`, { file: path });
  }
  return parseConfig(text, { ...options, file: path });
}
