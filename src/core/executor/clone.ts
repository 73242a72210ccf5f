// Payload copies for the phases that share or outlive the pipeline (concurrent, fire-and-forget). Payloads are
// plain data in practice; values structuredClone cannot copy (functions, class instances with private state)
// are shared as they are, which is what a read-only contract allows.

export function clonePayload<P>(payload: P): P {
  if (payload === null || typeof payload !== "object") return payload;
  try {
    return structuredClone(payload);
  } catch {
    return payload;
  }
}
