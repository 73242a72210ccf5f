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
