// The instrumenter: rewrites a module so that it meters its own execution (fuel), stops at a deadline and cannot
// exceed its memory and table caps. See docs/instrumenter.md for the design.
//
// Protocol with the host (runtime.ts): the module gets an internal mutable i64 global, exported as `__cpex_fuel`,
// holding the fuel left in the current slice, and imports `__cpex_meter.refill: (i64) -> i64`. Each basic block
// subtracts its cost on entry; function entries, loop headers and run-time-sized charges check `fuel < 0` and then
// call `refill(fuel)`, which answers the next slice or 0 = stop, upon which the module executes `unreachable`.

import { CpexError } from "../../../core/cpex-error.js";
import { BinaryError, Reader, Writer } from "../binary/bytes.js";
import {
  KIND_NAMES,
  type Limits,
  type ModuleInfo,
  readModule,
  SECTION,
  SECTION_ORDER,
} from "../binary/module.js";
import { type Decoded, decode, isShortBlockType, Op } from "../binary/opcodes.js";
import {
  BULK_MEMORY_SHIFT,
  DEFAULT_MAX_MEMORY_PAGES,
  DEFAULT_MAX_SEGMENTS,
  DEFAULT_MAX_TABLE_ELEMENTS,
  DEFAULT_MAX_TABLES,
  defaultCost,
  type InstrumentOptions,
  MEMORY_GROW_PAGE_SHIFT,
} from "./options.js";

export const METER_MODULE = "__cpex_meter";
export const REFILL_NAME = "refill";
export const FUEL_EXPORT = "__cpex_fuel";
const RESERVED_PREFIX = "__cpex";

/**
 * The module is refused. `offset`: where in the input the binary reader stopped, when a malformed or unsupported
 * binary is the reason. The reader's errors (BinaryError) end with `(at byte offset N)`, so wrapping one keeps
 * N even where only its message is passed on.
 */
export class InstrumentError extends CpexError<"module_rejected"> {
  readonly offset: number | undefined;
  constructor(message: string, options: { readonly offset?: number; readonly cause?: unknown } = {}) {
    const found = /\(at byte offset (\d+)\)$/.exec(message);
    const offset = options.offset ?? (found === null ? undefined : Number(found[1]));
    super("module_rejected", message, {
      ...(offset === undefined ? {} : { details: { offset } }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.offset = offset;
    this.name = "InstrumentError";
  }
}

export interface InstrumentReport {
  readonly imports: ReadonlyArray<{ module: string; name: string; kind: string }>;
  readonly exports: ReadonlyArray<{ name: string; kind: string }>;
  readonly memory?: {
    readonly minPages: number;
    readonly maxPages: number;
    readonly declaredMaxPages?: number;
  };
  readonly tables: ReadonlyArray<{ readonly min: number; readonly max: number }>;
  readonly functions: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Fuel charge points and checks injected. */
  readonly charges: number;
  readonly checks: number;
  readonly timeMs: number;
}

interface Ctx {
  readonly info: ModuleInfo;
  readonly refillIndex: number; // function index of the refill import
  readonly fuelGlobal: number;
  /** A caller's cost table; undefined = defaultCost (kept as a direct call on the hot path). */
  readonly customCost: ((code: number, sub: number) => number) | undefined;
  /** Maximum pages of memory 0 as written into the module (65536 when unknown, e.g. an imported memory). */
  readonly memoryMaxPages: number;
  charges: number;
  checks: number;
}

/** Function index after inserting the refill import at the end of the imported functions. */
function remapFunc(ctx: Ctx, f: number): number {
  return f >= ctx.refillIndex ? f + 1 : f;
}

export function instrument(
  input: Uint8Array,
  options: InstrumentOptions = {},
): { bytes: Uint8Array<ArrayBuffer>; report: InstrumentReport } {
  const t0 = performance.now();
  // Validate first: the pass adds a local, a global and a function, which could turn an invalid module (say, one
  // reading a local or global just past its own) into a valid one. Invalid input must stay rejected.
  if (!WebAssembly.validate(input as Uint8Array<ArrayBuffer>)) {
    let reason = "invalid module";
    try {
      new WebAssembly.Module(input as Uint8Array<ArrayBuffer>);
    } catch (err) {
      reason = (err as Error).message;
    }
    throw new InstrumentError(`invalid WebAssembly module: ${reason}`);
  }
  let info: ModuleInfo;
  try {
    info = readModule(input);
  } catch (err) {
    if (err instanceof BinaryError) throw new InstrumentError(`malformed module: ${err.message}`);
    throw err;
  }
  checkNames(info);
  if (options.allowImportedTables !== true && info.imports.some((i) => i.kind === 1)) {
    throw new InstrumentError("imported tables are not supported");
  }
  const tableLimits = capTables(info, options);
  // Tables live in host memory too: with tableElementBytes set, their maxima are taken from the memory cap.
  const tableBytes = tableLimits.reduce((n, t) => n + t.max, 0) * (options.tableElementBytes ?? 0);
  const maxPages = (options.maxMemoryPages ?? DEFAULT_MAX_MEMORY_PAGES) - Math.ceil(tableBytes / 65536);
  if (maxPages < 0) {
    throw new InstrumentError(`tables need ${tableBytes} bytes of host memory, more than the memory cap`);
  }
  const memoryLimits = capMemory(info, maxPages, options.allowImportedMemory === true);

  let refillType = info.types.findIndex(
    (t) => t.params.length === 1 && t.params[0] === 0x7e && t.results.length === 1 && t.results[0] === 0x7e,
  );
  const addType = refillType < 0;
  if (addType) refillType = info.types.length;
  const ctx: Ctx = {
    info,
    refillIndex: info.importedFuncs,
    fuelGlobal: info.importedGlobals + info.globals,
    customCost: options.cost,
    memoryMaxPages: memoryLimits?.max ?? 65536,
    charges: 0,
    checks: 0,
  };
  const maxDataBytes = options.maxDataBytes ?? maxPages * 65536;
  const maxSegments = options.maxSegments ?? DEFAULT_MAX_SEGMENTS;

  const out = new Writer(Math.max(1024, input.length + (input.length >> 2)));
  out.bytes(input, 0, 8);
  const created = new Set<number>();
  const emit = (id: number, body: Uint8Array): void => {
    out.byte(id);
    out.sized(body);
  };
  // Sections the module lacks but the instrumentation needs, created at their canonical position.
  const needed = [SECTION.type, SECTION.import, SECTION.global, SECTION.export].filter(
    (id) => !info.sections.some((s) => s.id === id),
  );
  const emitCreated = (beforeOrder: number): void => {
    for (const id of needed) {
      if (created.has(id) || SECTION_ORDER.indexOf(id) >= beforeOrder) continue;
      created.add(id);
      emit(id, buildSection(ctx, id, undefined, refillType, addType, memoryLimits, tableLimits));
    }
  };
  let dataSegments = 0;
  let dataBytes = 0;
  for (const section of info.sections) {
    if (section.id !== SECTION.custom) emitCreated(SECTION_ORDER.indexOf(section.id));
    const raw = input.subarray(section.start, section.end);
    switch (section.id) {
      case SECTION.custom:
        if (section.name === "name") {
          const renamed = remapNameSection(ctx, section);
          if (renamed !== undefined) emit(0, renamed);
        } else {
          emit(0, raw);
        }
        break;
      case SECTION.type:
      case SECTION.import:
      case SECTION.table:
      case SECTION.memory:
      case SECTION.global:
      case SECTION.export:
        emit(
          section.id,
          buildSection(ctx, section.id, section, refillType, addType, memoryLimits, tableLimits),
        );
        break;
      case SECTION.start: {
        const w = new Writer(8);
        w.u32(remapFunc(ctx, new Reader(input, section.start, section.end).u32()));
        emit(section.id, w.result());
        break;
      }
      case SECTION.element:
        emit(section.id, rewriteElements(ctx, section.start, section.end, maxSegments));
        break;
      case SECTION.code:
        emit(section.id, rewriteCode(ctx, section.start, section.end));
        break;
      case SECTION.data: {
        const r = new Reader(input, section.start, section.end);
        dataSegments = r.u32();
        dataBytes = section.end - section.start;
        if (dataSegments > maxSegments) {
          throw new InstrumentError(`${dataSegments} data segments; the limit is ${maxSegments}`);
        }
        if (dataBytes > maxDataBytes) {
          throw new InstrumentError(`${dataBytes} bytes of data segments; the limit is ${maxDataBytes}`);
        }
        emit(section.id, raw);
        break;
      }
      default:
        emit(section.id, raw);
    }
  }
  emitCreated(SECTION_ORDER.length);
  const bytes = out.result();
  const report: InstrumentReport = {
    imports: info.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.kind] ?? "?" })),
    exports: info.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] ?? "?" })),
    ...(memoryLimits === undefined
      ? {}
      : {
          memory: {
            minPages: memoryLimits.min,
            maxPages: memoryLimits.max,
            ...(info.memories[0]?.max === undefined ? {} : { declaredMaxPages: info.memories[0].max }),
          },
        }),
    tables: tableLimits,
    functions: info.funcTypes.length,
    inputBytes: input.length,
    outputBytes: bytes.length,
    charges: ctx.charges,
    checks: ctx.checks,
    timeMs: performance.now() - t0,
  };
  return { bytes, report };
}

function checkNames(info: ModuleInfo): void {
  for (const i of info.imports) {
    if (i.module.startsWith(RESERVED_PREFIX) || i.name.startsWith(RESERVED_PREFIX)) {
      throw new InstrumentError(
        `import ${i.module}.${i.name}: names starting with "${RESERVED_PREFIX}" are reserved`,
      );
    }
  }
  for (const e of info.exports) {
    if (e.name.startsWith(RESERVED_PREFIX)) {
      throw new InstrumentError(`export ${e.name}: names starting with "${RESERVED_PREFIX}" are reserved`);
    }
  }
}

/**
 * Table maxima within the limits: at most `maxTables` tables, and all tables together at most
 * `maxTableElements` elements. What the initial sizes leave is shared evenly, so no sequence of table.grow over
 * several tables exceeds the total.
 */
function capTables(info: ModuleInfo, options: InstrumentOptions): Array<{ min: number; max: number }> {
  const maxTables = options.maxTables ?? DEFAULT_MAX_TABLES;
  const total = options.maxTableElements ?? DEFAULT_MAX_TABLE_ELEMENTS;
  const count = info.tables.length;
  if (count > maxTables) throw new InstrumentError(`${count} tables; the limit is ${maxTables}`);
  const mins = info.tables.reduce((n, t) => n + t.min, 0);
  if (mins > total) {
    throw new InstrumentError(`tables need ${mins} elements at start; the limit is ${total} in all`);
  }
  const share = count === 0 ? 0 : Math.floor((total - mins) / count);
  return info.tables.map((t) => ({
    min: t.min,
    max: Math.min(t.max ?? Number.POSITIVE_INFINITY, t.min + share),
  }));
}

function capMemory(
  info: ModuleInfo,
  maxPages: number,
  allowImported: boolean,
): { min: number; max: number } | undefined {
  if (info.memories.length > 1)
    throw new InstrumentError(`${info.memories.length} memories (multi-memory is not supported)`);
  const imported = info.imports.some((i) => i.kind === 2);
  if (imported && !allowImported) {
    throw new InstrumentError("imported memory is not supported: the plugin must define its own memory");
  }
  const m: Limits | undefined = imported ? undefined : info.memories[0];
  if (m === undefined) return undefined;
  if (m.shared) throw new InstrumentError("shared memory (threads) is not supported");
  if (m.is64) throw new InstrumentError("64-bit memory (memory64) is not supported");
  if (m.min > maxPages) {
    throw new InstrumentError(
      `memory needs ${m.min} pages (${(m.min * 64) / 1024} MiB) at start; the limit is ${maxPages} pages (${(maxPages * 64) / 1024} MiB)`,
    );
  }
  return { min: m.min, max: Math.min(m.max ?? maxPages, maxPages) };
}

function writeLimits(w: Writer, min: number, max: number): void {
  w.byte(0x01);
  w.u32(min);
  w.u32(max);
}

function buildSection(
  ctx: Ctx,
  id: number,
  section: { start: number; end: number } | undefined,
  refillType: number,
  addType: boolean,
  memory: { min: number; max: number } | undefined,
  tables: ReadonlyArray<{ min: number; max: number }>,
): Uint8Array {
  const bytes = ctx.info.bytes;
  const w = new Writer(section === undefined ? 32 : section.end - section.start + 32);
  const r = section === undefined ? undefined : new Reader(bytes, section.start, section.end);
  const count = r?.u32() ?? 0;
  switch (id) {
    case SECTION.type:
      w.u32(count + (addType ? 1 : 0));
      if (r !== undefined) w.bytes(bytes, r.pos, r.end);
      if (addType) w.bytes(new Uint8Array([0x60, 0x01, 0x7e, 0x01, 0x7e]));
      break;
    case SECTION.import:
      w.u32(count + 1);
      if (r !== undefined) w.bytes(bytes, r.pos, r.end);
      w.name(METER_MODULE);
      w.name(REFILL_NAME);
      w.byte(0x00);
      w.u32(refillType);
      break;
    case SECTION.table: {
      w.u32(count);
      for (let i = 0; i < count; i++) {
        w.byte(r!.byte()); // element type
        const flags = r!.byte();
        r!.u32();
        if (flags & 1) r!.u32();
        const t = tables[ctx.info.tables.length - count + i]!;
        writeLimits(w, t.min, t.max);
      }
      break;
    }
    case SECTION.memory:
      w.u32(count);
      if (count === 1 && memory !== undefined) writeLimits(w, memory.min, memory.max);
      break;
    case SECTION.global:
      w.u32(count + 1);
      for (let i = 0; i < count; i++) {
        w.byte(r!.byte()); // value type
        w.byte(r!.byte()); // mutability
        copyConstExpr(ctx, r!, w);
      }
      // The fuel global: mutable i64, starts at 0 so the first check asks the host for a slice.
      w.bytes(new Uint8Array([0x7e, 0x01, 0x42, 0x00, 0x0b]));
      break;
    case SECTION.export:
      w.u32(count + 1);
      for (let i = 0; i < count; i++) {
        const nameLen = r!.u32();
        w.u32(nameLen);
        w.bytes(bytes, r!.pos, r!.pos + nameLen);
        r!.skip(nameLen);
        const kind = r!.byte();
        const index = r!.u32();
        w.byte(kind);
        w.u32(kind === 0 ? remapFunc(ctx, index) : index);
      }
      w.name(FUEL_EXPORT);
      w.byte(0x03);
      w.u32(ctx.fuelGlobal);
      break;
  }
  return w.result();
}

const scratch: Decoded = { op: Op.Plain, code: 0, sub: -1, index: 0, indexStart: 0, indexEnd: 0 };

/** Copy a constant expression, remapping `ref.func`. */
function copyConstExpr(ctx: Ctx, r: Reader, w: Writer): void {
  for (;;) {
    const start = r.pos;
    decode(r, scratch);
    if (scratch.op === Op.RefFunc) {
      w.byte(0xd2);
      w.u32(remapFunc(ctx, scratch.index));
    } else {
      w.bytes(r.bytes, start, r.pos);
    }
    if (scratch.op === Op.End) return;
  }
}

function rewriteElements(ctx: Ctx, start: number, end: number, maxSegments: number): Uint8Array {
  const bytes = ctx.info.bytes;
  const r = new Reader(bytes, start, end);
  const w = new Writer(end - start + 64);
  const count = r.u32();
  if (count > maxSegments)
    throw new InstrumentError(`${count} element segments; the limit is ${maxSegments}`);
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags > 7) throw new InstrumentError(`element segment ${i}: unknown flags ${flags}`);
    if (flags === 2 || flags === 6) w.u32(r.u32()); // table index
    if ((flags & 1) === 0) copyConstExpr(ctx, r, w); // active: offset expression
    const usesExprs = (flags & 4) !== 0;
    if (flags & 3) w.byte(r.byte()); // elemkind (0x00) or reftype
    const n = r.u32();
    w.u32(n);
    for (let j = 0; j < n; j++) {
      if (usesExprs) copyConstExpr(ctx, r, w);
      else w.u32(remapFunc(ctx, r.u32()));
    }
  }
  return w.result();
}

// ---- function bodies ----------------------------------------------------------------------------------------

// Per-instruction scratch arrays, reused across functions (grown as needed).
let starts = new Int32Array(4096);
let ends = new Int32Array(4096);
let ops = new Uint8Array(4096);
let costs = new Int32Array(4096);
let indices = new Int32Array(4096);
let flatEnd = new Int32Array(4096);
const openBlocks: number[] = [];
let armCost = new Int32Array(4096);
let folded = new Uint8Array(4096);

function ensureCapacity(n: number): void {
  if (n < starts.length) return;
  const size = Math.max(n + 1, starts.length * 2);
  const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const b = make(size);
    b.set(a);
    return b;
  };
  starts = grow(starts, (k) => new Int32Array(k));
  ends = grow(ends, (k) => new Int32Array(k));
  ops = grow(ops, (k) => new Uint8Array(k));
  costs = grow(costs, (k) => new Int32Array(k));
  indices = grow(indices, (k) => new Int32Array(k));
  flatEnd = grow(flatEnd, (k) => new Int32Array(k));
  armCost = grow(armCost, (k) => new Int32Array(k));
  folded = grow(folded, (k) => new Uint8Array(k));
}

// A metered region runs from a branch *target* (function entry, loop header, if/else arm, the point after an
// `end`) to the next one. Branches out of the middle (br, br_if, br_table, return, unreachable) do not split it:
// the whole region is charged on entry, so an early exit is charged as if it ran to the end. That is the usual
// trade of injected metering (fewer charge points, conservative and still exact run to run).
function endsSegment(op: number): boolean {
  return op === Op.Loop || op === Op.If || op === Op.Else || op === Op.End;
}

function rewriteCode(ctx: Ctx, start: number, end: number): Uint8Array {
  const bytes = ctx.info.bytes;
  const r = new Reader(bytes, start, end);
  const count = r.u32();
  if (count !== ctx.info.funcTypes.length) {
    throw new InstrumentError(`code section has ${count} bodies for ${ctx.info.funcTypes.length} functions`);
  }
  const w = new Writer(end - start + ((end - start) >> 1) + 64);
  w.u32(count);
  for (let f = 0; f < count; f++) {
    const size = r.u32();
    const bodyEnd = r.pos + size;
    if (bodyEnd > end) throw new InstrumentError(`function ${f}: body runs past the code section`);
    // Write the body in place after a 5-byte size slot, then fill the slot with a padded LEB128 (valid per the
    // spec): one copy of every body saved.
    const sizeAt = w.pos;
    w.reserve(5);
    try {
      rewriteBody(ctx, f, new Reader(bytes, r.pos, bodyEnd), w);
    } catch (err) {
      if (err instanceof BinaryError) {
        throw new InstrumentError(`function ${ctx.info.importedFuncs + f}: ${err.message}`);
      }
      throw err;
    }
    w.paddedU32At(sizeAt, w.pos - sizeAt - 5);
    r.pos = bodyEnd;
  }
  return w.result();
}

function rewriteBody(ctx: Ctx, f: number, r: Reader, w: Writer): void {
  const bytes = r.bytes;
  const type = ctx.info.types[ctx.info.funcTypes[f]!];
  if (type === undefined) throw new InstrumentError(`function ${f}: type index out of range`);
  // Locals: copy the declarations and append one i32 scratch local for run-time charges.
  const groups = r.u32();
  let locals = type.params.length;
  const localsStart = r.pos;
  for (let i = 0; i < groups; i++) {
    locals += r.u32();
    r.byte();
  }
  if (locals > 50_000) throw new InstrumentError(`function ${f}: ${locals} locals (limit 50000)`);
  const tmp = locals;
  // The fuel counter lives in a local inside the function (a register for V8) and is written back to the global
  // around calls and at exits; `FL` is its index.
  const FL = locals + 1;
  w.u32(groups + 2);
  w.bytes(bytes, localsStart, r.pos);
  w.byte(0x01);
  w.byte(0x7f);
  w.byte(0x01);
  w.byte(0x7e);

  // Pass 1: decode instructions into the scratch arrays.
  const custom = ctx.customCost;
  let n = 0;
  const d = scratch;
  while (r.pos < r.end) {
    if (n >= starts.length) ensureCapacity(n);
    starts[n] = r.pos;
    decode(r, d);
    ends[n] = r.pos;
    ops[n] = d.op;
    costs[n] = custom === undefined ? defaultCost(d.code) : custom(d.code, d.sub);
    indices[n] =
      d.op === Op.Call || d.op === Op.ReturnCall || d.op === Op.RefFunc || d.op === Op.Br || d.op === Op.BrIf
        ? d.index
        : -1;
    n++;
  }
  if (n === 0 || ops[n - 1] !== Op.End)
    throw new InstrumentError(`function ${f}: body does not end with \`end\``);

  // Pass 2: emit, charging each segment's total cost at its start.
  const F = ctx.fuelGlobal;
  let copyFrom = starts[0]!;
  const flush = (upTo: number): void => {
    if (upTo > copyFrom) w.bytes(bytes, copyFrom, upTo);
  };
  // A flat `if` (no block, loop or if inside either arm) does not split its region: the region is charged the
  // costlier arm up front and runs on through the `end`, since every path through the `if` reaches it once.
  flatEnd.fill(-1, 0, n); // for a flat `if`: the index of its `end`
  folded.fill(0, 0, n); // 1 on the `if`, `else` and `end` of a flat `if`
  const open = openBlocks;
  open.length = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (op === Op.Block || op === Op.Loop || op === Op.If) {
      const parent = open[open.length - 1];
      if (parent !== undefined && ops[parent] === Op.If) flatEnd[parent] = -2; // nested: not flat
      open.push(i);
    } else if (op === Op.End) {
      const start = open.pop();
      if (start !== undefined && ops[start] === Op.If && flatEnd[start] !== -2) {
        let then = 0;
        let other = 0;
        let inElse = false;
        for (let k = start + 1; k < i; k++) {
          if (ops[k] === Op.Else) inElse = true;
          else if (inElse) other += costs[k]!;
          else then += costs[k]!;
        }
        flatEnd[start] = i;
        armCost[start] = Math.max(then, other);
        folded[start] = 1;
        folded[i] = 1;
        for (let k = start + 1; k < i; k++) if (ops[k] === Op.Else) folded[k] = 1;
      }
    }
  }
  const boundary = (i: number): boolean => folded[i] === 0 && endsSegment(ops[i]!);
  const segmentCost = (from: number): number => {
    let c = 0;
    for (let i = from; i < n; i++) {
      c += costs[i]!;
      if (flatEnd[i]! >= 0) {
        c += armCost[i]!;
        i = flatEnd[i]!;
        continue;
      }
      if (boundary(i)) break;
    }
    return c;
  };
  // Where the counter lives in this function: a local (functions with loops) or the global; set below.
  let useLocal = false;
  let getOp = 0x23;
  let setOp = 0x24;
  let fuelIndex = F;
  const getFuel = (): void => {
    w.byte(getOp);
    w.u32(fuelIndex);
  };
  const setFuel = (): void => {
    w.byte(setOp);
    w.u32(fuelIndex);
  };
  const teeFuel = (): void => {
    if (useLocal) {
      w.byte(0x22);
      w.u32(FL);
    } else {
      setFuel();
      getFuel();
    }
  };
  const charge = (c: number): void => {
    if (c === 0) return;
    ctx.charges++;
    getFuel();
    w.byte(0x42);
    w.sleb(c);
    w.byte(0x7d); // i64.sub
    setFuel();
  };
  // if (fuel < 0) { fuel = refill(fuel); if (fuel == 0) unreachable }
  const check = (): void => {
    ctx.checks++;
    getFuel();
    w.bytes(CHECK_HEAD);
    getFuel();
    w.byte(0x10);
    w.u32(ctx.refillIndex);
    teeFuel();
    w.bytes(CHECK_TAIL);
  };
  // The global is what callees, the host and traps see: write the local back before leaving the function or
  // calling, and reload it after a call returns.
  const syncOut = (): void => {
    if (!useLocal) return;
    w.byte(0x20);
    w.u32(FL);
    w.byte(0x24);
    w.u32(F);
  };
  const syncIn = (): void => {
    if (!useLocal) return;
    w.byte(0x23);
    w.u32(F);
    w.byte(0x21);
    w.u32(FL);
  };
  // Run-time charge for the size on top of the stack (kept there): fuel -= size >> shift (or << shift).
  const dynamicCharge = (shiftOp: number, shift: number): void => {
    ctx.charges++;
    w.byte(0x22);
    w.u32(tmp); // local.tee
    getFuel();
    w.byte(0x20);
    w.u32(tmp);
    w.byte(0xad); // i64.extend_i32_u
    if (shift !== 0) {
      w.byte(0x42);
      w.u32(shift);
      w.byte(shiftOp);
    }
    w.byte(0x7d);
    setFuel();
    check();
  };

  // memory.grow is charged for the pages it will grant, not the pages asked for: a request past the cap
  // returns -1 (as docs/abi.md promises) instead of failing on fuel. Charged = delta if delta <= max - size,
  // else 0; the memory's maximum is the capped one written into the module, so the test is exact.
  const growCharge = (): void => {
    ctx.charges++;
    const maxPages = ctx.memoryMaxPages;
    w.byte(0x22);
    w.u32(tmp); // local.tee: delta stays on the stack for memory.grow
    getFuel();
    w.byte(0x20);
    w.u32(tmp); // delta
    w.byte(0x41);
    w.u32(0); // i32.const 0
    w.byte(0x20);
    w.u32(tmp);
    w.byte(0x41);
    w.sleb(maxPages);
    w.byte(0x3f);
    w.byte(0x00); // memory.size
    w.byte(0x6b); // i32.sub: room = max - size
    w.byte(0x4d); // i32.le_u: delta <= room
    w.byte(0x1b); // select: delta or 0
    w.byte(0xad); // i64.extend_i32_u
    w.byte(0x42);
    w.u32(MEMORY_GROW_PAGE_SHIFT);
    w.byte(0x86); // i64.shl
    w.byte(0x7d); // i64.sub
    setFuel();
    check();
  };

  // Loops without parameters are wrapped so the refill call sits outside them (see restructureLoop below): a
  // call anywhere inside a loop, even on a cold path, costs V8 more than the whole check.
  // frames: one entry per open block/loop/if (the function body is frame 0); true = a wrapped loop.
  const frames: boolean[] = [false];
  let wrappedOpen = 0; // wrapped loops currently open (0: branch depths need no rewriting)
  // For each open wrapped loop: the cost charged at its header, given back after a refill so the re-entry
  // through the wrapper does not charge the header twice.
  const headerCosts: number[] = [];
  const wrappedCrossed = (depth: number): number => {
    let extra = 0;
    for (let k = 0; k < depth && k < frames.length; k++)
      if (frames[frames.length - 1 - k]) extra += WRAP_DEPTH;
    return extra;
  };
  const rewriteBranch = (i: number): void => {
    const br = new Reader(bytes, starts[i]! + 1, ends[i]!);
    const code = bytes[starts[i]!]!;
    if (code === 0x0e) {
      const count = br.u32();
      const targets: number[] = [];
      for (let k = 0; k <= count; k++) targets.push(br.u32());
      if (targets.every((d) => wrappedCrossed(d) === 0)) return;
      flush(starts[i]!);
      w.byte(0x0e);
      w.u32(count);
      for (const d of targets) w.u32(d + wrappedCrossed(d));
    } else {
      const d = br.u32();
      const extra = wrappedCrossed(d);
      if (extra === 0) return;
      flush(starts[i]!);
      w.byte(code);
      w.u32(d + extra);
    }
    copyFrom = ends[i]!;
  };

  // Functions with loops keep the counter in a local: charges inside loops become register arithmetic. Functions
  // without loops use the global directly (they are call-heavy code, where writing back around every call would
  // cost more than it saves).
  let hasLoop = false;
  for (let i = 0; i < n; i++) if (ops[i] === Op.Loop) hasLoop = true;
  useLocal = hasLoop;
  if (useLocal) {
    getOp = 0x20;
    setOp = 0x21;
    fuelIndex = FL;
  }
  syncIn();
  charge(segmentCost(0));
  check();
  // Does a branch at depth `d` leave the function (target the body's own label)?
  const leavesFunction = (d: number): boolean => d === frames.length - 1;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (i > 0 && boundary(i - 1)) {
      flush(starts[i]!);
      copyFrom = starts[i]!;
      const cost = segmentCost(i);
      charge(cost);
      if (ops[i - 1] === Op.Loop) {
        if (frames[frames.length - 1]) {
          headerCosts.push(cost);
          // Wrapped loop: leave to the refill path (label 1 = the wrapper's refill block).
          ctx.checks++;
          getFuel();
          w.bytes(WRAPPED_CHECK);
        } else {
          check();
        }
      }
    }
    switch (op) {
      case Op.Call:
      case Op.ReturnCall:
      case Op.RefFunc: {
        flush(starts[i]!);
        if (op !== Op.RefFunc) syncOut();
        w.byte(bytes[starts[i]!]!);
        w.u32(remapFunc(ctx, indices[i]!));
        copyFrom = ends[i]!;
        if (op === Op.Call) syncIn();
        break;
      }
      case Op.CallIndirect:
        flush(starts[i]!);
        syncOut();
        w.bytes(bytes, starts[i]!, ends[i]!);
        copyFrom = ends[i]!;
        syncIn();
        break;
      case Op.ReturnCallIndirect:
      case Op.Return:
        flush(starts[i]!);
        copyFrom = starts[i]!;
        syncOut();
        break;
      case Op.BulkMemory:
      case Op.MemoryGrow:
      case Op.BulkTable:
        flush(starts[i]!);
        copyFrom = starts[i]!;
        if (op === Op.BulkMemory) dynamicCharge(0x88, BULK_MEMORY_SHIFT);
        else if (op === Op.MemoryGrow) growCharge();
        else dynamicCharge(0, 0);
        break;
      case Op.Br:
      case Op.BrIf: {
        // The common case, decoded once in pass 1: no Reader, no array.
        const depth = indices[i]!;
        if (useLocal && leavesFunction(depth)) {
          flush(starts[i]!);
          copyFrom = starts[i]!;
          syncOut();
        }
        const extra = wrappedOpen === 0 ? 0 : wrappedCrossed(depth);
        if (extra !== 0) {
          flush(starts[i]!);
          w.byte(bytes[starts[i]!]!);
          w.u32(depth + extra);
          copyFrom = ends[i]!;
        }
        break;
      }
      case Op.BrTable:
        if (useLocal && branchLeavesFunction(bytes, starts[i]!, ends[i]!, leavesFunction)) {
          flush(starts[i]!);
          copyFrom = starts[i]!;
          syncOut();
        }
        if (wrappedOpen !== 0) rewriteBranch(i);
        break;
      case Op.Block:
      case Op.If:
        frames.push(false);
        break;
      case Op.Loop: {
        const blockType = bytes.subarray(starts[i]! + 1, ends[i]!);
        const wrap = loopHasNoParams(ctx, blockType);
        if (wrap) {
          // block $exit bt; loop $retry bt; block $refill; (original) loop bt
          flush(starts[i]!);
          copyFrom = starts[i]!;
          w.byte(0x02);
          w.bytes(blockType);
          w.byte(0x03);
          w.bytes(blockType);
          w.byte(0x02);
          w.byte(0x40);
        }
        frames.push(wrap);
        if (wrap) wrappedOpen++;
        break;
      }
      case Op.End: {
        if (i === n - 1) {
          // Falling off the end returns: the caller (or the host) reads the global.
          flush(starts[i]!);
          copyFrom = starts[i]!;
          syncOut();
        }
        const wrapped = frames.pop();
        if (wrapped === true) {
          wrappedOpen--;
          // After the original loop's end: leave with its results (br 2 = $exit); the refill path follows.
          flush(ends[i]!);
          copyFrom = ends[i]!;
          w.bytes(WRAP_TAIL_HEAD);
          getFuel();
          w.byte(0x10);
          w.u32(ctx.refillIndex);
          teeFuel();
          w.bytes(WRAP_TAIL_STOP);
          const given = headerCosts.pop() ?? 0;
          if (given > 0) {
            getFuel();
            w.byte(0x42);
            w.sleb(given);
            w.byte(0x7c); // i64.add
            setFuel();
          }
          w.bytes(WRAP_TAIL_END);
        }
        break;
      }
    }
  }
  flush(r.end);
}

/** Whether a br / br_if / br_table can leave the function (one of its targets is the body's label). */
function branchLeavesFunction(
  bytes: Uint8Array,
  start: number,
  end: number,
  leaves: (depth: number) => boolean,
): boolean {
  const r = new Reader(bytes, start + 1, end);
  if (bytes[start] !== 0x0e) return leaves(r.u32());
  const count = r.u32();
  for (let k = 0; k <= count; k++) if (leaves(r.u32())) return true;
  return false;
}

/** Extra labels a wrapped loop adds around itself ($exit, $retry, $refill). */
const WRAP_DEPTH = 3;

function loopHasNoParams(ctx: Ctx, blockType: Uint8Array): boolean {
  if (isShortBlockType(blockType[0])) {
    return true;
  }
  const index = new Reader(blockType).s33();
  return (ctx.info.types[index]?.params.length ?? 1) === 0;
}

// (after global.get F) i64.const 0; i64.lt_s; br_if 1
const WRAPPED_CHECK = new Uint8Array([0x42, 0x00, 0x53, 0x0d, 0x01]);
// br 2; end ($refill) — the fuel read and the call follow
const WRAP_TAIL_HEAD = new Uint8Array([0x0c, 0x02, 0x0b]);
// (after the new fuel is stored and read back) i64.eqz; if; unreachable; end
const WRAP_TAIL_STOP = new Uint8Array([0x50, 0x04, 0x40, 0x00, 0x0b]);
// br 0 ($retry); end; end
const WRAP_TAIL_END = new Uint8Array([0x0c, 0x00, 0x0b, 0x0b]);

// (after reading the fuel) i64.const 0; i64.lt_s; if (void) — the read, the call and the write back follow
const CHECK_HEAD = new Uint8Array([0x42, 0x00, 0x53, 0x04, 0x40]);
// (after the new fuel is stored and read back) i64.eqz; if (void); unreachable; end; end
const CHECK_TAIL = new Uint8Array([0x50, 0x04, 0x40, 0x00, 0x0b, 0x0b]);

function remapNameSection(ctx: Ctx, section: { start: number; end: number }): Uint8Array | undefined {
  const bytes = ctx.info.bytes;
  try {
    const r = new Reader(bytes, section.start, section.end);
    r.name(); // "name"
    const w = new Writer(section.end - section.start + 32);
    w.name("name");
    while (!r.done) {
      const id = r.byte();
      const size = r.u32();
      const subEnd = r.pos + size;
      if (subEnd > section.end) return undefined;
      if (id === 1 || id === 2) {
        const sub = new Reader(bytes, r.pos, subEnd);
        const out = new Writer(size + 32);
        const n = sub.u32();
        const entries: Array<[number, number, number]> = [];
        for (let i = 0; i < n; i++) {
          const idx = sub.u32();
          const from = sub.pos;
          if (id === 1) sub.skip(sub.u32());
          else {
            const m = sub.u32();
            for (let j = 0; j < m; j++) {
              sub.u32();
              sub.skip(sub.u32());
            }
          }
          entries.push([remapFunc(ctx, idx), from, sub.pos]);
        }
        out.u32(entries.length + (id === 1 ? 1 : 0));
        let inserted = id !== 1;
        for (const [idx, from, to] of entries) {
          if (!inserted && idx > ctx.refillIndex) {
            out.u32(ctx.refillIndex);
            out.name("__cpex_refill");
            inserted = true;
          }
          out.u32(idx);
          out.bytes(bytes, from, to);
        }
        if (!inserted) {
          out.u32(ctx.refillIndex);
          out.name("__cpex_refill");
        }
        w.byte(id);
        w.sized(out.result());
      } else {
        w.byte(id);
        w.u32(size);
        w.bytes(bytes, r.pos, subEnd);
      }
      r.pos = subEnd;
    }
    return w.result();
  } catch {
    // A malformed name section is debug information only: drop it rather than fail the module.
    return undefined;
  }
}
