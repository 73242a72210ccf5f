// Configuration errors. `code` is "config", matching CPEX's PluginError::Config record code.

export interface ConfigErrorLocation {
  /** Config file name (as given), when known. */
  readonly file?: string;
  /** Path inside the document, e.g. `plugins[2].mode`. */
  readonly path?: string;
  /** Name of the plugin the error concerns, when known. */
  readonly plugin?: string;
}

export class ConfigError extends Error {
  readonly code = "config";
  readonly file: string | undefined;
  readonly path: string | undefined;
  readonly plugin: string | undefined;
  /** All problems found (the message lists them); at least one. */
  readonly problems: readonly string[];

  constructor(message: string, location: ConfigErrorLocation = {}, problems?: readonly string[]) {
    super(message);
    this.name = "ConfigError";
    this.file = location.file;
    this.path = location.path;
    this.plugin = location.plugin;
    this.problems = problems ?? [message];
  }

  get details(): Record<string, string> {
    const d: Record<string, string> = {};
    if (this.file !== undefined) d["file"] = this.file;
    if (this.path !== undefined) d["path"] = this.path;
    if (this.plugin !== undefined) d["plugin"] = this.plugin;
    return d;
  }
}
