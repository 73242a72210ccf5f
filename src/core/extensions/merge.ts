// Post-handler validation and merge (§4.6).
import type { CapabilityInput, Extensions, MergeOutcome } from "./types.js";

/** Validate a plugin's returned extensions against the canonical container and merge what its capabilities allow. */
export function validateAndMerge(
  canonical: Extensions,
  returned: Extensions,
  capabilities: CapabilityInput,
): MergeOutcome {
  void returned;
  void capabilities;
  return { merged: canonical, rejected: "TODO", dropped: [] };
}
