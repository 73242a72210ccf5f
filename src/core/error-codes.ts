// The registry of cpex's own error codes, with a one-line meaning each: the core's, registered here, and each
// host's, registered by the host (the WebAssembly host's in src/hosts/wasm/errors.ts). docs/errors.md lists
// them; a test compares the two, so code and documentation cannot drift. Codes a plugin chooses for its own
// violations and errors are the plugin's and are not registered.

/** The core's codes: error classes, synthesized violations, error-record and host-failure codes. */
export const CORE_ERROR_CODES = Object.freeze({
  config: "the configuration is invalid (ConfigError; also the record code of a configuration failure)",
  manager_closed:
    "the manager is shutting down or shut down (ManagerClosedError; the host failure of a call that outlived shutdown_timeout)",
  protocol_error: "a wire message (result, violation, error record, extensions) is malformed",
  internal_error: "the runtime itself failed during an invoke (a bug); the request is denied",
  plugin_error:
    "a plugin failed under on_error: fail in a phase that can deny (details.error_code: its own code)",
  plugin_timeout: "a plugin timed out under on_error: fail in a phase that can deny",
  plugin_panic: "a concurrent plugin panicked under on_error: fail",
  concurrent_deny: "a concurrent plugin returned continue_processing: false without a violation",
  timeout: "record: the plugin did not finish within plugin_settings.plugin_timeout",
  panic: "record: a concurrent plugin panicked and the host gave no code of its own",
  invalid_result: "record: a handler returned something that is not a result (a number, a string, an array)",
  unknown_hook: "record: a PluginError of kind unknown_hook",
  host_error: "host failure: the host could not run the plugin, for a reason of its own",
  payload_unencodable: "host failure: the payload or extensions cannot be encoded for a sandboxed plugin",
} as const);

export type CoreErrorCode = keyof typeof CORE_ERROR_CODES;

const registry = new Map<string, Map<string, string>>();

/**
 * Register `owner`'s codes (`core`, `wasm`, …) with their meanings. Idempotent for the same meaning; a code
 * registered twice by one owner with another meaning is a programming error and throws. Two owners may use
 * the same code (a host's `timeout` is the core's record code): each keeps its own meaning.
 */
export function registerErrorCodes(owner: string, codes: Readonly<Record<string, string>>): void {
  let own = registry.get(owner);
  if (own === undefined) {
    own = new Map();
    registry.set(owner, own);
  }
  for (const [code, meaning] of Object.entries(codes)) {
    const known = own.get(code);
    if (known !== undefined && known !== meaning)
      throw new Error(`error code '${code}' of '${owner}' registered twice with different meanings`);
    own.set(code, meaning);
  }
}

/** The codes `owner` registered, code → meaning, in registration order (empty for an unknown owner). */
export function errorCodes(owner: string): ReadonlyMap<string, string> {
  return new Map(registry.get(owner) ?? []);
}

/** Every owner that registered codes, `core` first. */
export function errorCodeOwners(): readonly string[] {
  return [...registry.keys()];
}

/** The meaning of `code`: the core's if it has one, otherwise the first owner's that registered it. */
export function errorCodeMeaning(code: string): string | undefined {
  for (const own of registry.values()) {
    const meaning = own.get(code);
    if (meaning !== undefined) return meaning;
  }
  return undefined;
}

registerErrorCodes("core", CORE_ERROR_CODES);

/** `owner`'s codes as the Markdown table docs/errors.md holds between its `error-codes:<owner>` markers. */
export function renderErrorCodeTable(owner: string): string {
  const rows = [...errorCodes(owner)].map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return ["| code | meaning |", "| ---- | ------- |", ...rows].join("\n");
}
