export * from "./router.js";
export * from "./types.js";
