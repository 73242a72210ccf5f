// Payload copies for the phases that share or outlive the pipeline (concurrent, fire-and-forget), and the frozen
// copies of payload-check mode. Payloads are plain data in practice; values structuredClone cannot copy
// (functions, class instances with private state) are shared as they are, which is what a read-only contract
// allows.

import { deepFreeze } from "../guards.js";

export function clonePayload<P>(payload: P): P {
  if (payload === null || typeof payload !== "object") return payload;
  try {
    return structuredClone(payload);
  } catch {
    return payload;
  }
}

/**
 * A deep-frozen copy for payload-check mode (docs/configuration.md, "Payloads are read-only"): a handler that
 * writes to it throws (ES modules are strict code), which fails its call. A payload that cannot be copied is
 * passed unchecked rather than frozen: freezing would change the caller's own object.
 */
export function checkedPayload<P>(payload: P): P {
  if (payload === null || typeof payload !== "object") return payload;
  const copy = clonePayload(payload);
  return copy === payload ? payload : deepFreeze(copy);
}
