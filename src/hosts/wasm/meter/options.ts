// Instrumentation options: limits as an explicit config object (wasmtime's StoreLimits / Config split).

export interface InstrumentOptions {
  /** Memory cap in 64 KiB pages: the memory's maximum becomes min(declared, this). Default 1024 (64 MiB). */
  readonly maxMemoryPages?: number;
  /** Cap on each table's maximum size, in elements. Default 100 000. */
  readonly maxTableElements?: number;
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
export const DEFAULT_MAX_SEGMENTS = 100_000;

/**
 * Run-time costs of size-dependent operations, charged before they run so a single operation stays short:
 * 1 fuel per 16 bytes for memory.fill/copy/init, 1 per element for table.fill/copy/init/grow, and 4096 per
 * 64 KiB page for memory.grow (the shift amounts below).
 */
export const BULK_MEMORY_SHIFT = 4;
export const MEMORY_GROW_PAGE_SHIFT = 12;

/** Structural instructions compile to nothing and cost 0; everything else 1 unless a cost table says otherwise. */
export function defaultCost(code: number): number {
  return code === 0x02 || code === 0x03 || code === 0x05 || code === 0x0b || code === 0x01 ? 0 : 1;
}
