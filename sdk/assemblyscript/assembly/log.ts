// Logging through the host's logger (`cpex.log`, docs/abi.md §3.2). The host escapes the text, prefixes it with
// the plugin's name and caps the bytes per invocation (`max_log_bytes`); past the cap messages are dropped.

import { logBytes, realtimeNs } from "./host";
import { utf8Bytes } from "./utf8";

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
}

/** Log `text` at `level`; returns false when the host dropped it (log cap reached). */
export function logAt(level: LogLevel, text: string): bool {
  return logBytes(<i32>level, utf8Bytes(text)) === 0;
}
export function logDebug(text: string): bool {
  return logAt(LogLevel.Debug, text);
}
export function logInfo(text: string): bool {
  return logAt(LogLevel.Info, text);
}
export function logWarn(text: string): bool {
  return logAt(LogLevel.Warn, text);
}
export function logError(text: string): bool {
  return logAt(LogLevel.Error, text);
}

/**
 * Wall-clock time in milliseconds since the epoch, from WASI `clock_time_get` — the host's clock, which an
 * embedder can drive (`registerWasmHost(manager, { clock })`) and `grants.deterministic` pins. AssemblyScript's
 * `Date.now()` would import `env.Date.now`, which the host refuses.
 */
export function nowMs(): i64 {
  return <i64>(realtimeNs() / 1_000_000);
}
