export * from "./conditions.js";
export * from "./glob.js";
export * from "./resolve.js";
export * from "./router.js";
export * from "./types.js";
