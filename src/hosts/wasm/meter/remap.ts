// Index changes of the pass, in one place: the module gains one function import (`refill`, numbered after the
// imported functions) and one global import (the fuel counter, numbered after the imported globals), so every
// function index and global index at or past those points moves up by one. Every section that names a function
// or a global is re-encoded here through the same `IndexRemap`; code bodies use it in inject.ts.

import { Reader, Writer } from "../binary/bytes.js";
import type { ModuleInfo } from "../binary/module.js";
import { type Decoded, decode, OP, Op } from "../binary/opcodes.js";
import { InstrumentError } from "./error.js";

export const METER_MODULE = "__cpex_meter";
export const REFILL_NAME = "refill";
/** The fuel counter the host supplies: a mutable i64 global, imported as `__cpex_meter.fuel`. */
export const FUEL_NAME = "fuel";

export class IndexRemap {
  /** Index of the refill import = the first defined function before the pass. */
  readonly refillFunc: number;
  /** Index of the fuel global import = the first defined global before the pass. */
  readonly fuelGlobal: number;

  constructor(info: ModuleInfo) {
    this.refillFunc = info.importedFuncs;
    this.fuelGlobal = info.importedGlobals;
  }

  func(f: number): number {
    return f >= this.refillFunc ? f + 1 : f;
  }

  global(g: number): number {
    return g >= this.fuelGlobal ? g + 1 : g;
  }
}

/** Re-encodes the sections that name functions or globals; owns its decode scratch (the pass is reentrant). */
export class SectionRemapper {
  private readonly d: Decoded = { op: Op.Plain, code: 0, sub: -1, index: 0, indexStart: 0, indexEnd: 0 };

  constructor(
    private readonly info: ModuleInfo,
    readonly remap: IndexRemap,
  ) {}

  /** Copy a constant expression, remapping `ref.func` and `global.get`. */
  constExpr(r: Reader, w: Writer): void {
    const d = this.d;
    for (;;) {
      const start = r.pos;
      decode(r, d);
      if (d.op === Op.RefFunc) {
        w.byte(OP.refFunc);
        w.u32(this.remap.func(d.index));
      } else if (d.op === Op.GlobalGet) {
        w.byte(OP.globalGet);
        w.u32(this.remap.global(d.index));
      } else {
        w.bytes(r.bytes, start, r.pos);
      }
      if (d.op === Op.End) return;
    }
  }

  /** The import section with `refill` and the fuel global appended (after the module's own imports). */
  imports(section: { start: number; end: number } | undefined, refillType: number): Uint8Array {
    const bytes = this.info.bytes;
    const w = new Writer(section === undefined ? 48 : section.end - section.start + 48);
    const r = section === undefined ? undefined : new Reader(bytes, section.start, section.end);
    const count = r?.u32() ?? 0;
    w.u32(count + 2);
    if (r !== undefined) w.bytes(bytes, r.pos, r.end);
    w.name(METER_MODULE);
    w.name(REFILL_NAME);
    w.byte(0x00); // function
    w.u32(refillType);
    w.name(METER_MODULE);
    w.name(FUEL_NAME);
    w.byte(0x03); // global
    w.byte(OP.i64);
    w.byte(0x01); // mutable
    return w.result();
  }

  globals(section: { start: number; end: number }): Uint8Array {
    const r = new Reader(this.info.bytes, section.start, section.end);
    const w = new Writer(section.end - section.start + 16);
    const count = r.u32();
    w.u32(count);
    for (let i = 0; i < count; i++) {
      w.byte(r.byte()); // value type
      w.byte(r.byte()); // mutability
      this.constExpr(r, w);
    }
    return w.result();
  }

  exports(section: { start: number; end: number }): Uint8Array {
    const bytes = this.info.bytes;
    const r = new Reader(bytes, section.start, section.end);
    const w = new Writer(section.end - section.start + 16);
    const count = r.u32();
    w.u32(count);
    for (let i = 0; i < count; i++) {
      const nameLen = r.u32();
      w.u32(nameLen);
      w.bytes(bytes, r.pos, r.pos + nameLen);
      r.skip(nameLen);
      const kind = r.byte();
      const index = r.u32();
      w.byte(kind);
      w.u32(kind === 0 ? this.remap.func(index) : kind === 3 ? this.remap.global(index) : index);
    }
    return w.result();
  }

  start(section: { start: number; end: number }): Uint8Array {
    const w = new Writer(8);
    w.u32(this.remap.func(new Reader(this.info.bytes, section.start, section.end).u32()));
    return w.result();
  }

  /** Element segments; returns the segment count too (limited by the caller). */
  elements(section: { start: number; end: number }, check: (count: number) => void): Uint8Array {
    const r = new Reader(this.info.bytes, section.start, section.end);
    const w = new Writer(section.end - section.start + 64);
    const count = r.u32();
    check(count);
    w.u32(count);
    for (let i = 0; i < count; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags > 7) throw new InstrumentError(`element segment ${i}: unknown flags ${flags}`);
      if (flags === 2 || flags === 6) w.u32(r.u32()); // table index
      if ((flags & 1) === 0) this.constExpr(r, w); // active: offset expression
      const usesExprs = (flags & 4) !== 0;
      if (flags & 3) w.byte(r.byte()); // elemkind (0x00) or reftype
      const n = r.u32();
      w.u32(n);
      for (let j = 0; j < n; j++) {
        if (usesExprs) this.constExpr(r, w);
        else w.u32(this.remap.func(r.u32()));
      }
    }
    return w.result();
  }

  /** Data segments: only the offset expressions can name a global; the contents are copied as they are. */
  data(section: { start: number; end: number }): Uint8Array {
    const bytes = this.info.bytes;
    const r = new Reader(bytes, section.start, section.end);
    const w = new Writer(section.end - section.start + 16);
    const count = r.u32();
    w.u32(count);
    for (let i = 0; i < count; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags > 2) throw new InstrumentError(`data segment ${i}: unknown flags ${flags}`);
      if (flags === 2) w.u32(r.u32()); // memory index
      if (flags !== 1) this.constExpr(r, w);
      const n = r.u32();
      w.u32(n);
      w.bytes(bytes, r.pos, r.pos + n);
      r.skip(n);
    }
    return w.result();
  }

  /**
   * The `name` section with function names (1), local names (2, keyed by function) and global names (7)
   * renumbered, and a name for the refill import. Undefined when it is malformed: it is debug information only,
   * dropped rather than failing the module.
   */
  names(section: { start: number; end: number }): Uint8Array | undefined {
    const bytes = this.info.bytes;
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
        if (id === 1 || id === 2 || id === 7) {
          w.byte(id);
          w.sized(this.nameMap(id, r.pos, subEnd));
        } else {
          w.byte(id);
          w.u32(size);
          w.bytes(bytes, r.pos, subEnd);
        }
        r.pos = subEnd;
      }
      return w.result();
    } catch {
      return undefined;
    }
  }

  private nameMap(id: number, start: number, end: number): Uint8Array {
    const bytes = this.info.bytes;
    const sub = new Reader(bytes, start, end);
    const out = new Writer(end - start + 32);
    const n = sub.u32();
    const entries: Array<[number, number, number]> = [];
    for (let i = 0; i < n; i++) {
      const idx = sub.u32();
      const from = sub.pos;
      if (id === 2) {
        const m = sub.u32();
        for (let j = 0; j < m; j++) {
          sub.u32();
          sub.skip(sub.u32());
        }
      } else {
        sub.skip(sub.u32());
      }
      entries.push([id === 7 ? this.remap.global(idx) : this.remap.func(idx), from, sub.pos]);
    }
    const refill = this.remap.refillFunc;
    out.u32(entries.length + (id === 1 ? 1 : 0));
    let inserted = id !== 1;
    for (const [idx, from, to] of entries) {
      if (!inserted && idx > refill) {
        out.u32(refill);
        out.name("__cpex_refill");
        inserted = true;
      }
      out.u32(idx);
      out.bytes(bytes, from, to);
    }
    if (!inserted) {
      out.u32(refill);
      out.name("__cpex_refill");
    }
    return out.result();
  }
}
