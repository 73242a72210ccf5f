import type { CpexConfig } from "../config/types.js";
import type { Router } from "./types.js";

export interface RouterOptions {
  /** Called once per cache fill cycle when the cache is full. */
  warn?: (message: string) => void;
}

export function createRouter(config: CpexConfig | undefined, options: RouterOptions = {}): Router {
  void config;
  void options;
  throw new Error("TODO");
}
