export * from "./container.js";
export * from "./filter.js";
export * from "./merge.js";
export { DeclassifierToken, MonotonicSet } from "./monotonic.js";
export * from "./types.js";
export * from "./wire.js";
