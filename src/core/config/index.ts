export * from "./errors.js";
export * from "./load.js";
export * from "./types.js";
