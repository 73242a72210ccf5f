// Instrumentation options: limits as an explicit config object (wasmtime's StoreLimits / Config split).

export interface InstrumentOptions {
  /** Memory cap in 64 KiB pages: the memory's maximum becomes min(declared, this). Default 1024 (64 MiB). */
  readonly maxMemoryPages?: number;
  /** Most table elements, all tables together (what initial sizes leave is shared evenly). Default 100 000. */
  readonly maxTableElements?: number;
  /** Most tables a module may define. Default 100. */
  readonly maxTables?: number;
  /**
   * Host bytes one table element costs. When set, the tables' maxima are taken from the memory cap (the cap in
   * pages is lowered by their size, rounded up to whole pages). Default 0: tables are not charged.
   */
  readonly tableElementBytes?: number;
  /** Total bytes of active and passive data segments. Default: the memory cap in bytes. */
  readonly maxDataBytes?: number;
  /** Number of data segments and of element segments, each. Default 100 000. */
  readonly maxSegments?: number;
  /**
   * Accept an imported memory / imported tables (the embedder supplies them and is responsible for their limits).
   * The cpex host never sets these: a plugin must define its own memory. Test harnesses do (spec `spectest`).
   */
  readonly allowImportedMemory?: boolean;
  readonly allowImportedTables?: boolean;
  /** Fuel cost of one instruction, by opcode (prefix byte and sub-opcode for 0xFC/0xFD). Default: 1 each. */
  readonly cost?: (code: number, sub: number) => number;
}

export const DEFAULT_MAX_MEMORY_PAGES = 1024;
export const DEFAULT_MAX_TABLE_ELEMENTS = 100_000;
export const DEFAULT_MAX_TABLES = 100;
export const DEFAULT_MAX_SEGMENTS = 100_000;

/**
 * Run-time costs of size-dependent operations, charged before they run so a single operation stays short:
 * 1 fuel per 16 bytes for memory.fill/copy/init, 1 per element for table.fill/copy/init/grow, and 4096 per
 * 64 KiB page that memory.grow grants (a request past the cap costs nothing and returns -1).
 */
export const BULK_MEMORY_SHIFT = 4;
export const MEMORY_GROW_PAGE_SHIFT = 12;

/** Structural instructions compile to nothing and cost 0; everything else 1 unless a cost table says otherwise. */
export function defaultCost(code: number): number {
  return code === 0x02 || code === 0x03 || code === 0x05 || code === 0x0b || code === 0x01 ? 0 : 1;
}

/** Pages a 32-bit memory can have at most (4 GiB): a larger cap would write a module V8 rejects. */
export const MAX_WASM_PAGES = 65536;
/** V8's limit on one table's size; the instrumenter caps all tables together at most at this. */
export const MAX_TABLE_ELEMENTS_LIMIT = 10_000_000;

/** Options with every default filled in, checked once (`resolveOptions`). */
export interface ResolvedOptions {
  readonly maxMemoryPages: number;
  readonly maxTableElements: number;
  readonly maxTables: number;
  readonly tableElementBytes: number;
  readonly maxDataBytes: number | undefined;
  readonly maxSegments: number;
  readonly allowImportedMemory: boolean;
  readonly allowImportedTables: boolean;
  readonly cost: ((code: number, sub: number) => number) | undefined;
}

/** A caller's mistake in the options (as opposed to a module the sandbox refuses). */
export class InstrumentOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstrumentOptionsError";
  }
}

function integer(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InstrumentOptionsError(`${name} must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Check the options and fill in the defaults. Every limit must be a whole number in its range: a fraction, a
 * negative number, NaN or Infinity is an error here rather than a module that loops, is rejected by V8 or is
 * capped at another value than the one asked for.
 */
export function resolveOptions(options: InstrumentOptions): ResolvedOptions {
  if (options.cost !== undefined && typeof options.cost !== "function") {
    throw new InstrumentOptionsError("cost must be a function (opcode, subOpcode) => fuel");
  }
  return {
    maxMemoryPages: integer(
      "maxMemoryPages",
      options.maxMemoryPages,
      DEFAULT_MAX_MEMORY_PAGES,
      MAX_WASM_PAGES,
    ),
    maxTableElements: integer(
      "maxTableElements",
      options.maxTableElements,
      DEFAULT_MAX_TABLE_ELEMENTS,
      MAX_TABLE_ELEMENTS_LIMIT,
    ),
    maxTables: integer("maxTables", options.maxTables, DEFAULT_MAX_TABLES, 100_000),
    tableElementBytes: integer("tableElementBytes", options.tableElementBytes, 0, 1 << 16),
    maxDataBytes:
      options.maxDataBytes === undefined
        ? undefined
        : integer("maxDataBytes", options.maxDataBytes, 0, MAX_WASM_PAGES * 65536),
    maxSegments: integer("maxSegments", options.maxSegments, DEFAULT_MAX_SEGMENTS, 10_000_000),
    allowImportedMemory: options.allowImportedMemory === true,
    allowImportedTables: options.allowImportedTables === true,
    cost: options.cost,
  };
}

/**
 * The options as they enter the persistent cache key. A cost function cannot be named, so modules instrumented
 * with one are not cached (`undefined`).
 */
export function optionsKey(o: ResolvedOptions): string | undefined {
  if (o.cost !== undefined) return undefined;
  return [
    o.maxMemoryPages,
    o.maxTableElements,
    o.maxTables,
    o.tableElementBytes,
    o.maxDataBytes ?? "-",
    o.maxSegments,
    o.allowImportedMemory ? 1 : 0,
    o.allowImportedTables ? 1 : 0,
  ].join(",");
}
