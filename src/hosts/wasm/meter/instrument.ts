// The instrumenter: rewrites a module so that it meters its own execution (fuel), stops at a deadline and cannot
// exceed its memory and table caps. See docs/instrumenter.md for the design.
//
// Protocol with the host (runtime.ts): the module imports the fuel left in the current slice as a mutable i64
// global `__cpex_meter.fuel`, and `__cpex_meter.refill: (i64) -> i64`; its exports are the original ones. Each
// metered region subtracts its cost on entry; function entries, loop headers and run-time-sized charges check
// `fuel < 0` and then call `refill(fuel)`, which answers the next slice or 0 = stop, upon which the module
// executes `unreachable`. This file checks the module and drives the sections; plan.ts plans each body,
// inject.ts emits it, remap.ts renumbers functions and globals.

import { BinaryError, Reader, Writer } from "../binary/bytes.js";
import {
  KIND_NAMES,
  type Limits,
  type ModuleInfo,
  readModule,
  SECTION,
  SECTION_ORDER,
} from "../binary/module.js";
import { Op } from "../binary/opcodes.js";
import { InstrumentError } from "./error.js";
import { BodyEmitter } from "./inject.js";
import { type InstrumentOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { BodyPlan } from "./plan.js";
import { IndexRemap, SectionRemapper } from "./remap.js";

export { InstrumentError } from "./error.js";
export { FUEL_NAME, METER_MODULE, REFILL_NAME } from "./remap.js";

/** Changes whenever the output for the same input and options may change (part of the persistent cache key). */
export const INSTRUMENTER_VERSION = "2.1.0";
const RESERVED_PREFIX = "__cpex";

export interface InstrumentReport {
  readonly imports: ReadonlyArray<{ module: string; name: string; kind: string }>;
  readonly exports: ReadonlyArray<{ name: string; kind: string }>;
  readonly memory?: {
    readonly minPages: number;
    readonly maxPages: number;
    readonly declaredMaxPages?: number;
  };
  readonly tables: ReadonlyArray<{ readonly min: number; readonly max: number }>;
  /** Every declared maximum the caps lowered, in words ("memory 0: maximum 2048 pages lowered to 1024 …"). */
  readonly adjustments: readonly string[];
  readonly functions: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Fuel charge points and checks injected. */
  readonly charges: number;
  readonly checks: number;
  readonly timeMs: number;
}

export function instrument(
  input: Uint8Array,
  options: InstrumentOptions = {},
): { bytes: Uint8Array<ArrayBuffer>; report: InstrumentReport } {
  const t0 = performance.now();
  const o = resolveOptions(options);
  // Validate first: the pass adds locals, a global and a function, which could turn an invalid module (say, one
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
  if (!o.allowImportedTables && info.imports.some((i) => i.kind === 1)) {
    throw new InstrumentError("imported tables are not supported");
  }
  const adjustments: string[] = [];
  const tableLimits = capTables(info, o, adjustments);
  // Tables live in host memory too: with tableElementBytes set, their maxima are taken from the memory cap.
  const tableBytes = tableLimits.reduce((n, t) => n + t.max, 0) * o.tableElementBytes;
  const maxPages = o.maxMemoryPages - Math.ceil(tableBytes / 65536);
  if (maxPages < 0) {
    throw new InstrumentError(`tables need ${tableBytes} bytes of host memory, more than the memory cap`);
  }
  const memoryLimits = capMemory(info, maxPages, o.allowImportedMemory, adjustments);
  const maxDataBytes = o.maxDataBytes ?? maxPages * 65536;

  let refillType = info.types.findIndex(
    (t) => t.params.length === 1 && t.params[0] === 0x7e && t.results.length === 1 && t.results[0] === 0x7e,
  );
  const addType = refillType < 0;
  if (addType) refillType = info.types.length;
  const remap = new IndexRemap(info);
  const sections = new SectionRemapper(info, remap);
  const emitter = new BodyEmitter(remap, memoryLimits?.max ?? 65536);

  const out = new Writer(Math.max(1024, input.length + (input.length >> 2)));
  out.bytes(input, 0, 8);
  const emit = (id: number, body: Uint8Array): void => {
    out.byte(id);
    out.sized(body);
  };
  // The type and import sections are needed even when the module has none: created at their canonical place.
  let wroteTypes = false;
  let wroteImports = false;
  const emitMissing = (beforeOrder: number): void => {
    if (!wroteTypes && SECTION_ORDER.indexOf(SECTION.type) < beforeOrder) {
      wroteTypes = true;
      emit(SECTION.type, typeSection(info, undefined, addType));
    }
    if (!wroteImports && SECTION_ORDER.indexOf(SECTION.import) < beforeOrder) {
      wroteImports = true;
      emit(SECTION.import, sections.imports(undefined, refillType));
    }
  };
  for (const section of info.sections) {
    if (section.id !== SECTION.custom) emitMissing(SECTION_ORDER.indexOf(section.id));
    switch (section.id) {
      case SECTION.custom:
        if (section.name === "name") {
          const renamed = sections.names(section);
          if (renamed !== undefined) emit(0, renamed);
        } else {
          emit(0, input.subarray(section.start, section.end));
        }
        break;
      case SECTION.type:
        wroteTypes = true;
        emit(section.id, typeSection(info, section, addType));
        break;
      case SECTION.import:
        wroteImports = true;
        emit(section.id, sections.imports(section, refillType));
        break;
      case SECTION.table:
        emit(section.id, tableSection(info, section, tableLimits));
        break;
      case SECTION.memory:
        emit(section.id, memorySection(memoryLimits));
        break;
      case SECTION.global:
        emit(section.id, sections.globals(section));
        break;
      case SECTION.export:
        emit(section.id, sections.exports(section));
        break;
      case SECTION.start:
        emit(section.id, sections.start(section));
        break;
      case SECTION.element:
        emit(
          section.id,
          sections.elements(section, (count) => {
            if (count > o.maxSegments)
              throw new InstrumentError(`${count} element segments; the limit is ${o.maxSegments}`);
          }),
        );
        break;
      case SECTION.code:
        emit(section.id, rewriteCode(info, o, emitter, section.start, section.end));
        break;
      case SECTION.data: {
        const dataSegments = new Reader(input, section.start, section.end).u32();
        const dataBytes = section.end - section.start;
        if (dataSegments > o.maxSegments) {
          throw new InstrumentError(`${dataSegments} data segments; the limit is ${o.maxSegments}`);
        }
        if (dataBytes > maxDataBytes) {
          throw new InstrumentError(`${dataBytes} bytes of data segments; the limit is ${maxDataBytes}`);
        }
        emit(section.id, sections.data(section));
        break;
      }
      default:
        emit(section.id, input.subarray(section.start, section.end));
    }
  }
  emitMissing(SECTION_ORDER.length);
  const bytes = out.result();
  const declaredMax = memoryLimits === undefined ? undefined : info.memories[0]?.max;
  const report: InstrumentReport = {
    imports: info.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.kind] ?? "?" })),
    exports: info.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] ?? "?" })),
    ...(memoryLimits === undefined
      ? {}
      : {
          memory: {
            minPages: memoryLimits.min,
            maxPages: memoryLimits.max,
            ...(declaredMax === undefined ? {} : { declaredMaxPages: declaredMax }),
          },
        }),
    tables: tableLimits,
    adjustments,
    functions: info.funcTypes.length,
    inputBytes: input.length,
    outputBytes: bytes.length,
    charges: emitter.charges,
    checks: emitter.checks,
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
function capTables(
  info: ModuleInfo,
  o: ResolvedOptions,
  adjustments: string[],
): Array<{ min: number; max: number }> {
  const count = info.tables.length;
  if (count > o.maxTables) throw new InstrumentError(`${count} tables; the limit is ${o.maxTables}`);
  const mins = info.tables.reduce((n, t) => n + t.min, 0);
  if (mins > o.maxTableElements) {
    throw new InstrumentError(
      `tables need ${mins} elements at start; the limit is ${o.maxTableElements} in all`,
    );
  }
  const share = count === 0 ? 0 : Math.floor((o.maxTableElements - mins) / count);
  return info.tables.map((t, i) => {
    const max = Math.min(t.max ?? Number.POSITIVE_INFINITY, t.min + share);
    if (t.max !== undefined && max < t.max) {
      adjustments.push(
        `table ${i}: declared maximum ${t.max} elements lowered to ${max} (maxTableElements ${o.maxTableElements} shared by ${count} tables)`,
      );
    }
    return { min: t.min, max };
  });
}

function capMemory(
  info: ModuleInfo,
  maxPages: number,
  allowImported: boolean,
  adjustments: string[],
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
  const max = Math.min(m.max ?? maxPages, maxPages);
  if (m.max !== undefined && max < m.max) {
    adjustments.push(`memory 0: declared maximum ${m.max} pages lowered to ${max} (the memory cap)`);
  }
  return { min: m.min, max };
}

function writeLimits(w: Writer, min: number, max: number): void {
  w.byte(0x01);
  w.u32(min);
  w.u32(max);
}

function typeSection(info: ModuleInfo, section: { start: number; end: number } | undefined, add: boolean) {
  const bytes = info.bytes;
  const w = new Writer(section === undefined ? 16 : section.end - section.start + 16);
  const r = section === undefined ? undefined : new Reader(bytes, section.start, section.end);
  const count = r?.u32() ?? 0;
  w.u32(count + (add ? 1 : 0));
  if (r !== undefined) w.bytes(bytes, r.pos, r.end);
  if (add) w.bytes(new Uint8Array([0x60, 0x01, 0x7e, 0x01, 0x7e])); // (i64) -> i64
  return w.result();
}

function tableSection(
  info: ModuleInfo,
  section: { start: number; end: number },
  tables: ReadonlyArray<{ min: number; max: number }>,
): Uint8Array {
  const r = new Reader(info.bytes, section.start, section.end);
  const w = new Writer(section.end - section.start + 32);
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    w.byte(r.byte()); // element type
    const flags = r.byte();
    r.u32();
    if (flags & 1) r.u32();
    const t = tables[info.tables.length - count + i]!;
    writeLimits(w, t.min, t.max);
  }
  return w.result();
}

function memorySection(memory: { min: number; max: number } | undefined): Uint8Array {
  const w = new Writer(16);
  w.u32(memory === undefined ? 0 : 1);
  if (memory !== undefined) writeLimits(w, memory.min, memory.max);
  return w.result();
}

function rewriteCode(
  info: ModuleInfo,
  o: ResolvedOptions,
  emitter: BodyEmitter,
  start: number,
  end: number,
): Uint8Array {
  const bytes = info.bytes;
  const r = new Reader(bytes, start, end);
  const count = r.u32();
  if (count !== info.funcTypes.length) {
    throw new InstrumentError(`code section has ${count} bodies for ${info.funcTypes.length} functions`);
  }
  const w = new Writer(end - start + ((end - start) >> 1) + 64);
  w.u32(count);
  const plan = new BodyPlan();
  for (let f = 0; f < count; f++) {
    const size = r.u32();
    const bodyEnd = r.pos + size;
    if (bodyEnd > end) throw new InstrumentError(`function ${f}: body runs past the code section`);
    // Write the body in place after a 5-byte size slot, then fill the slot with a padded LEB128 (valid per the
    // spec): one copy of every body saved.
    const sizeAt = w.pos;
    w.reserve(5);
    try {
      const body = new Reader(bytes, r.pos, bodyEnd);
      const type = info.types[info.funcTypes[f]!];
      if (type === undefined) throw new InstrumentError(`function ${f}: type index out of range`);
      // Locals: copy the declarations and append an i32 scratch local (sized charges) and the i64 counter.
      const groups = body.u32();
      let locals = type.params.length;
      const localsStart = body.pos;
      for (let i = 0; i < groups; i++) {
        locals += body.u32();
        body.byte();
      }
      if (locals > 50_000) throw new InstrumentError(`function ${f}: ${locals} locals (limit 50000)`);
      w.u32(groups + 2);
      w.bytes(bytes, localsStart, body.pos);
      w.bytes(EXTRA_LOCALS);
      const from = body.pos;
      plan.decodeBody(body, o.cost, o.costModel);
      const last = plan.count - 1;
      if (last < 0 || plan.op[last] !== Op.End || plan.end[last] !== bodyEnd)
        throw new InstrumentError(`function ${f}: body does not end with \`end\``);
      plan.planRegions(info.types, bytes);
      emitter.emit(w, bytes, plan, from, locals, bodyEnd);
    } catch (err) {
      if (err instanceof BinaryError) {
        throw new InstrumentError(`function ${info.importedFuncs + f}: ${err.message}`);
      }
      throw err;
    }
    w.paddedU32At(sizeAt, w.pos - sizeAt - 5);
    r.pos = bodyEnd;
  }
  return w.result();
}

// One i32 (scratch of sized charges), one i64 (the counter).
const EXTRA_LOCALS = new Uint8Array([0x01, 0x7f, 0x01, 0x7e]);
