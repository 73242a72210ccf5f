// Wire converters (snake_case maps) for sandboxed / out-of-process plugins (§8.2, §10.1 lessons a/b).
import type { CapabilityInput, Extensions } from "./types.js";

export type WireExtensions = Record<string, unknown>;

/** Filtered view → snake_case wire map. Strips sensitive headers; never includes raw credentials. */
export function extensionsToWire(view: Extensions): WireExtensions {
  void view;
  throw new Error("TODO");
}

/** snake_case wire map → frozen Extensions (validated; throws ExtensionsWireError naming the slot/field). */
export function extensionsFromWire(wire: unknown): Extensions {
  void wire;
  throw new Error("TODO");
}

/**
 * Build a plugin's returned extensions from the inbound filtered view plus the writable slots of a wire patch
 * (http headers, security labels, delegation chain, custom), each only if the capability allows it. The result is
 * then passed to validateAndMerge like a native plugin's return. `patch` null/undefined = no change (returns
 * undefined).
 */
export function rebuildExtensionsFromWire(
  view: Extensions,
  patch: unknown,
  capabilities: CapabilityInput,
): Extensions | undefined {
  void view;
  void patch;
  void capabilities;
  throw new Error("TODO");
}
