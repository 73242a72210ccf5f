// Instrumenter public API: `instrument(bytes, options)` and `inspect(bytes)`, plus the runtime FuelGauge.

export { inspect, type ModuleSummary } from "./inspect.js";
export {
  FUEL_NAME,
  INSTRUMENTER_VERSION,
  InstrumentError,
  type InstrumentReport,
  instrument,
  METER_MODULE,
  REFILL_NAME,
} from "./instrument.js";
export { type InstrumentOptions, InstrumentOptionsError } from "./options.js";
export { DEFAULT_SLICE, FuelGauge, type FuelGaugeOptions, MeterStop, type StopReason } from "./runtime.js";
