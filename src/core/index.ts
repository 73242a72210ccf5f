// Public API of `cpex` (the core runtime). The WebAssembly host lives in `cpex/wasm`; this module never imports it.

export * from "./config/index.js";
export * from "./context.js";
export * from "./cpex-error.js";
export * from "./error-codes.js";
export * from "./errors.js";
export { PHASE_ORDER, PHASES, type PhaseRules } from "./executor/index.js";
export * from "./extensions/index.js";
export { unclaimedKeyWarnings } from "./factories.js";
export * from "./hooks.js";
export type { PluginInfo, RegistrationInfo } from "./introspection.js";
export type { ManagerState } from "./lifecycle.js";
export * from "./logger.js";
export { type ConfigVisitor, type InvokeOptions, type ManagerOptions, PluginManager } from "./manager.js";
export * from "./plugin.js";
export { type PluginCounters, PluginRef } from "./registry.js";
export * from "./result.js";
export * from "./routing/index.js";
export * from "./wire.js";
