// `cpex/wasm`: the WebAssembly sandbox host. Register it on a manager to enable `kind: "wasm://…"` plugins.

import type { PluginManager } from "../../core/index.js";
import { WasmEngine } from "./engine.js";
import { WASM_SCHEME, type WasmHostOptions, WasmPluginFactory } from "./factory.js";

export { type CompiledPlugin, WasmEngine } from "./engine.js";
export { GuestStop, type WasmErrorCode } from "./errors.js";
export { WASM_SCHEME, type WasmHostOptions, WasmPluginFactory } from "./factory.js";
export { DEFAULT_LIMITS, type WasmGrants, type WasmLimits } from "./limits.js";
export { type CallTelemetry, Sandbox } from "./sandbox.js";

/** Add the `wasm://` kind to `manager`. One engine (compile cache) is shared by every plugin it loads. */
export function registerWasmHost(
  manager: PluginManager,
  options: WasmHostOptions = {},
  engine = new WasmEngine(options.unsafeTestImports === true ? { unsafeTestImports: true } : {}),
): WasmEngine {
  manager.registerScheme(WASM_SCHEME, new WasmPluginFactory(engine, options));
  return engine;
}

export {
  FuelGauge,
  InstrumentError,
  type InstrumentOptions,
  type InstrumentReport,
  inspect,
  instrument,
  MeterStop,
  type ModuleSummary,
} from "./meter/index.js";

export {
  DURATION_BUCKETS_MS,
  FUEL_BUCKETS,
  type Histogram,
  type MeterLike,
  type PluginMetrics,
  PluginTelemetry,
} from "./telemetry.js";
