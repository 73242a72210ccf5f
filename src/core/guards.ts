// Small data guards the whole core shares, written once: the plain-object check, the `__proto__`-safe key
// write, deep freezing and the message of anything thrown. Untrusted data (YAML, wire maps, plugin results)
// goes through these, so a fix here is a fix everywhere.

import { MonotonicSet } from "./extensions/monotonic.js";

/** A non-null, non-array object that is not binary data: a YAML mapping, a JSON object, a wire map. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * `out[key] = value` that keeps a `__proto__` key as plain data (YAML and JSON parsers produce it as an own
 * property; ordinary assignment would instead replace the object's prototype).
 */
export function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * Deep-freeze data in place: objects, arrays, MonotonicSets (frozen through their own `freeze()`), and the values
 * of Maps (a Map itself cannot be made read-only; the config model exposes it as a ReadonlyMap). Typed arrays
 * cannot be frozen and are left alone; already-frozen subtrees are skipped.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return value;
  if (value instanceof MonotonicSet) {
    value.freeze();
    return value;
  }
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return value;
  }
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** The message of anything thrown (an Error's message, otherwise its string form). */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** Whether `v` is a promise or any other thenable (a handler may return either). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}
