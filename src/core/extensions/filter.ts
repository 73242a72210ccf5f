// Capability filtering (§4.3): secure by default.
import type { CapabilityInput, Extensions } from "./types.js";

export function toCapabilitySet(capabilities: CapabilityInput): ReadonlySet<string> {
  return capabilities instanceof Set ? capabilities : new Set(capabilities);
}

/** Build the view a plugin with `capabilities` may see. Slots are shared (frozen) references where allowed. */
export function filterExtensions(canonical: Extensions, capabilities: CapabilityInput): Extensions {
  void canonical;
  void capabilities;
  throw new Error("TODO: filterExtensions");
}
