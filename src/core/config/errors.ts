// Configuration errors. `code` is "config", matching CPEX's PluginError::Config record code (docs/errors.md).

import { CpexError } from "../cpex-error.js";

export interface ConfigErrorLocation {
  /** Config file name (as given), when known. */
  readonly file?: string;
  /** Path inside the document, e.g. `plugins[2].mode`. */
  readonly path?: string;
  /** Name of the plugin the error concerns, when known. */
  readonly plugin?: string;
}

export class ConfigError extends CpexError<"config"> {
  readonly file: string | undefined;
  readonly path: string | undefined;
  readonly plugin: string | undefined;
  /** All problems found (the message lists them); at least one. */
  readonly problems: readonly string[];
  /** Where: `file`, `path` and `plugin`, those that are known. */
  declare readonly details: Readonly<Record<string, string>>;

  constructor(message: string, location: ConfigErrorLocation = {}, problems?: readonly string[]) {
    const details: Record<string, string> = {};
    if (location.file !== undefined) details["file"] = location.file;
    if (location.path !== undefined) details["path"] = location.path;
    if (location.plugin !== undefined) details["plugin"] = location.plugin;
    super("config", message, { details });
    this.file = location.file;
    this.path = location.path;
    this.plugin = location.plugin;
    this.problems = problems ?? [message];
  }

  /** As in a CPEX error record for a config error: the plugin concerned, or "" when none. */
  get pluginName(): string {
    return this.plugin ?? "";
  }
}

/** Where a plugin was declared, for messages: `cpex.yaml: plugins[2] (name 'pii')`, or `plugin 'pii'`. */
export function pluginLocation(plugin: {
  readonly name: string;
  readonly origin?: { readonly file?: string; readonly index?: number };
}): string {
  const o = plugin.origin;
  if (o?.index === undefined)
    return o?.file !== undefined ? `${o.file}: plugin '${plugin.name}'` : `plugin '${plugin.name}'`;
  const at = `plugins[${o.index}] (name '${plugin.name}')`;
  return o.file !== undefined ? `${o.file}: ${at}` : at;
}

/**
 * A ConfigError about one field of one plugin, in the loader's format — for factories and hosts validating their
 * own keys: `pluginConfigError(p, "limits.fuel", "expected a positive integer, got -1")` →
 * `cpex.yaml: plugins[2] (name 'pii'): limits.fuel: expected a positive integer, got -1`.
 */
export function pluginConfigError(
  plugin: { readonly name: string; readonly origin?: { readonly file?: string; readonly index?: number } },
  field: string | undefined,
  message: string,
): ConfigError {
  const text = `${pluginLocation(plugin)}: ${field !== undefined && field !== "" ? `${field}: ` : ""}${message}`;
  const path =
    plugin.origin?.index !== undefined ? `plugins[${plugin.origin.index}]${field ? `.${field}` : ""}` : field;
  return new ConfigError(text, {
    ...(plugin.origin?.file !== undefined ? { file: plugin.origin.file } : {}),
    ...(path !== undefined ? { path } : {}),
    plugin: plugin.name,
  });
}
