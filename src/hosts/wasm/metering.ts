// The host's view of the instrumenter (src/hosts/wasm/meter): instrument a module with fuel/deadline checks and
// memory caps, and meter one guest call with a FuelGauge.

import { FuelGauge, type InstrumentReport, instrument } from "./meter/index.js";

export type { InstrumentReport };

export function instrumentModule(
  bytes: Uint8Array,
  maxMemoryPages: number,
): { bytes: Uint8Array; report: InstrumentReport } {
  return instrument(bytes, { maxMemoryPages });
}

export { FuelGauge };
