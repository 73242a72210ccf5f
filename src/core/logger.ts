// Minimal structured logger interface; defaults to the console, silence with `silentLogger`.

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

export const consoleLogger: Logger = Object.freeze({
  debug: noop,
  info: (m: string, f?: Record<string, unknown>) => console.info(`[cpex] ${m}`, f ?? ""),
  warn: (m: string, f?: Record<string, unknown>) => console.warn(`[cpex] ${m}`, f ?? ""),
  error: (m: string, f?: Record<string, unknown>) => console.error(`[cpex] ${m}`, f ?? ""),
});
