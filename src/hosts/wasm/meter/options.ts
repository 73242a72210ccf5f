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
  /**
   * What one unit of fuel means (docs/instrumenter.md, "Cost models"). `wasmtime`: the units of wasmtime's
   * `Store::set_fuel`, counted exactly — 1 per executed operator, 0 for nop, drop, block, loop, else, end,
   * unreachable and return, 1 per function entered, 1 per byte or element of bulk operations, nothing after a
   * branch or return leaves. `cpex`: the instrumenter's own, cheaper units — early exits charged as if the region
   * ran to its end, `if` arms charged at the costlier one, 1 per 16 bytes of bulk memory, 4096 per page grown.
   * Default: DEFAULT_COST_MODEL.
   */
  readonly costModel?: CostModel;
  /** Fuel cost of one instruction, by opcode (prefix byte and sub-opcode for 0xFC/0xFD). Default: the model's. */
  readonly cost?: (code: number, sub: number) => number;
}

export type CostModel = "wasmtime" | "cpex";
export const COST_MODELS: readonly CostModel[] = ["wasmtime", "cpex"];
export const DEFAULT_COST_MODEL: CostModel = "cpex";

export const DEFAULT_MAX_MEMORY_PAGES = 1024;
export const DEFAULT_MAX_TABLE_ELEMENTS = 100_000;
export const DEFAULT_MAX_TABLES = 100;
export const DEFAULT_MAX_SEGMENTS = 100_000;

/**
 * Run-time costs of size-dependent operations in the cpex model, charged before they run so a single operation
 * stays short: 1 fuel per 16 bytes for memory.fill/copy/init, 1 per element for table.fill/copy/init/grow, and
 * 4096 per 64 KiB page that memory.grow grants (a request past the cap costs nothing and returns -1). The
 * wasmtime model charges 1 per byte and per element, also before the operation, and nothing per page grown.
 */
export const BULK_MEMORY_SHIFT = 4;
export const MEMORY_GROW_PAGE_SHIFT = 12;

/**
 * Each model's run-time charges: bulk memory operations `bytes >> memoryByteShift`; memory.grow
 * `granted pages << growPageShift`, or nothing when absent (table operations cost 1 per element in both).
 */
export const SIZED_COSTS: Readonly<Record<CostModel, { memoryByteShift: number; growPageShift?: number }>> = {
  cpex: { memoryByteShift: BULK_MEMORY_SHIFT, growPageShift: MEMORY_GROW_PAGE_SHIFT },
  wasmtime: { memoryByteShift: 0 },
};

/** cpex model: structural instructions compile to nothing and cost 0; everything else 1. */
export function defaultCost(code: number): number {
  return code === 0x02 || code === 0x03 || code === 0x05 || code === 0x0b || code === 0x01 ? 0 : 1;
}

/**
 * wasmtime model (its default operator cost): nop, drop, block, loop, else, end, unreachable and return cost 0;
 * every other operator 1, prefixed ones included.
 */
export function wasmtimeCost(code: number): number {
  return code === 0x01 ||
    code === 0x1a ||
    code === 0x02 ||
    code === 0x03 ||
    code === 0x05 ||
    code === 0x0b ||
    code === 0x00 ||
    code === 0x0f
    ? 0
    : 1;
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
  readonly costModel: CostModel;
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
  const costModel = options.costModel ?? DEFAULT_COST_MODEL;
  if (!COST_MODELS.includes(costModel)) {
    throw new InstrumentOptionsError(
      `costModel must be one of ${COST_MODELS.join(", ")}, got ${String(options.costModel)}`,
    );
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
    costModel,
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
    o.costModel,
  ].join(",");
}
