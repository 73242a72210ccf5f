// Planning one function body: decode its instructions into flat typed arrays, then decide where the metered
// regions start, what each costs, which `if`s fold into their region and which loops are wrapped. Pure (no
// output bytes): inject.ts turns a plan into code, and the unit tests read plans directly.
//
// A metered region runs from a branch *target* (function entry, loop header, if/else arm, the point after an
// `end`) to the next one, and is charged on entry. Two cost models (docs/instrumenter.md, "Cost models"):
// - cpex: branches out of the middle (br, br_if, br_table, return, unreachable) do not split a region, so an
//   early exit is charged as if it ran to the end, and a flat `if` is charged its costlier arm up front. The
//   usual trade of injected metering: fewer charge points, conservative and still exact run to run.
// - wasmtime (exact): a br_if gives back, when taken, what the rest of its region was charged (or, where its
//   target takes values or it leaves the function, ends the region); the code after an unconditional exit (br,
//   br_table, return, unreachable, tail calls) up to the next region is never charged; a flat `if` whose arms
//   have no exits is charged its cheaper arm up front and the other arm the difference when it runs; each
//   function entry costs 1. Fuel used then equals wasmtime's for every call that returns.

import { BinaryError, type Reader } from "../binary/bytes.js";
import type { FuncType } from "../binary/module.js";
import { type Decoded, decode, isShortBlockType, Op } from "../binary/opcodes.js";
import { type CostModel, defaultCost, wasmtimeCost } from "./options.js";

// How the immediates of each one-byte opcode are laid out, for the fast path of the decoder. Opcodes marked SLOW
// (rare, prefixed, unsupported or with a type-index block type) go through binary/opcodes.ts `decode`, which also
// rejects whatever the sandbox does not support.
const NONE = 0;
const U32 = 1; // local.*, table.get/set
const MEMARG = 2; // loads and stores
const I32 = 3; // i32.const (s32)
const I64 = 4; // i64.const (s64)
const F32 = 5;
const F64 = 6;
const STRUCT = 7; // control instructions, calls, globals: decoded inline below
const SLOW = 8;

const IMMEDIATES = (() => {
  const t = new Uint8Array(256).fill(SLOW);
  for (const c of [0x1a, 0x1b, 0xd1]) t[c] = NONE;
  for (let c = 0x45; c <= 0xc4; c++) t[c] = NONE;
  for (const c of [0x20, 0x21, 0x22, 0x25, 0x26]) t[c] = U32;
  for (let c = 0x28; c <= 0x3e; c++) t[c] = MEMARG;
  t[0x41] = I32;
  t[0x42] = I64;
  t[0x43] = F32;
  t[0x44] = F64;
  for (const c of [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0f, 0x10, 0x12, 0x23, 0x24])
    t[c] = STRUCT;
  return t;
})();

/** Each model's cost by first byte (prefixed instructions cost 1 like any other). */
const COST_TABLES: Readonly<Record<CostModel, Uint8Array>> = (() => {
  const cpex = new Uint8Array(256);
  const wasmtime = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    cpex[c] = defaultCost(c);
    wasmtime[c] = wasmtimeCost(c);
  }
  return { cpex, wasmtime };
})();

/** What a function entry costs in each model (wasmtime: an export called by the host with 3 operators costs 4). */
const ENTRY_COST: Readonly<Record<CostModel, number>> = { cpex: 0, wasmtime: 1 };

/** Events after which nothing runs until a branch target: the rest of the region is dead code. */
const IS_EXIT = (() => {
  const t = new Uint8Array(32);
  for (const op of [Op.Br, Op.BrTable, Op.Return, Op.Unreachable, Op.ReturnCall, Op.ReturnCallIndirect])
    t[op] = 1;
  return t;
})();

/** The Op of the inline-decoded control instructions, by first byte. */
const STRUCT_OPS = (() => {
  const t = new Uint8Array(256);
  t[0x00] = Op.Unreachable;
  t[0x01] = Op.Nop;
  t[0x02] = Op.Block;
  t[0x03] = Op.Loop;
  t[0x04] = Op.If;
  t[0x05] = Op.Else;
  t[0x0b] = Op.End;
  t[0x0c] = Op.Br;
  t[0x0d] = Op.BrIf;
  t[0x0f] = Op.Return;
  t[0x10] = Op.Call;
  t[0x12] = Op.ReturnCall;
  t[0x23] = Op.GlobalGet;
  t[0x24] = Op.GlobalSet;
  return t;
})();

/** Ops the emitter acts on (the rest are copied as they are). */
const IS_EVENT = (() => {
  const t = new Uint8Array(32);
  for (const op of [
    Op.Block,
    Op.Loop,
    Op.If,
    Op.Else,
    Op.End,
    Op.Br,
    Op.BrIf,
    Op.BrTable,
    Op.Return,
    Op.Unreachable,
    Op.Call,
    Op.ReturnCall,
    Op.ReturnCallIndirect,
    Op.CallIndirect,
    Op.RefFunc,
    Op.MemoryGrow,
    Op.BulkMemory,
    Op.BulkTable,
    Op.GlobalGet,
    Op.GlobalSet,
  ])
    t[op] = 1;
  return t;
})();

/**
 * The plan of one body, by *event*: the instructions the emitter acts on (control instructions, calls, globals,
 * sized operations). Every other instruction is only counted into the cost and later copied as it is, so the
 * decoder stores nothing for it. Reused from body to body of one module (owned by one pass).
 */
export class BodyPlan {
  /** Number of events. */
  count = 0;
  /** Byte range of each event instruction. */
  start = new Int32Array(256);
  end = new Int32Array(256);
  op = new Uint8Array(256);
  /** Call / ReturnCall / RefFunc: function index; GlobalGet / GlobalSet: global; Br / BrIf: depth. */
  index = new Int32Array(256);
  /** Cost of the body's instructions before this event, and up to and including it. */
  before = new Float64Array(256);
  after = new Float64Array(256);
  /** For a flat `if`: the event of its `end`; -1 otherwise (-2 while known not flat). */
  flatEnd = new Int32Array(256);
  /** For an `if`: the event of its `else`, or -1. */
  elseOf = new Int32Array(256);
  /** 1 on the `if`, `else` and `end` of a flat `if`: they do not end a region. */
  folded = new Uint8Array(256);
  /** For a `loop`: 1 when it is wrapped so its refill call sits outside it (no block parameters). */
  wrap = new Uint8Array(256);
  /** Cost of the region that starts right after event e (when e ends a region). */
  regionAfter = new Float64Array(256);
  /** wasmtime model: on the `if` or `else` of a flat `if`, what its arm costs beyond the cheaper arm. */
  armCharge = new Float64Array(256);
  /**
   * wasmtime model, on a br_if: what its taken branch gives back (the rest of the region, charged on entry but
   * skipped). A br_if is rewritten to `if (then <give back> br) end` when this is > 0 and its target takes no
   * values and is inside the function; otherwise it ends its region (`splits`).
   */
  refund = new Float64Array(256);
  splits = new Uint8Array(256);
  /** The cost model the body was planned under (its run-time charges: SIZED_COSTS). */
  model: CostModel = "cpex";

  /** Planned with the exact (wasmtime) model: br_ifs give back, dead code is free, arms charged as run. */
  get exact(): boolean {
    return this.model === "wasmtime";
  }
  /** Cost of the region at function entry. */
  entryCost = 0;
  hasLoop = false;
  /** Any call, indirect call or tail call. */
  hasCall = false;
  /** memory.grow or a bulk memory/table operation (each charges by size and checks at run time). */
  hasSized = false;
  readonly decoded: Decoded = { op: Op.Plain, code: 0, sub: -1, index: 0, indexStart: 0, indexEnd: 0 };
  private readonly open: number[] = [];

  /**
   * A leaf without loops, calls or sized operations runs at most its own length: its entry check can go, since
   * the fuel it takes is seen by the next check of its caller (every unbounded path passes a loop header or the
   * entry of a function that is not such a leaf).
   */
  get boundedLeaf(): boolean {
    return !this.hasLoop && !this.hasCall && !this.hasSized;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(size);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.start = i32(this.start);
    this.end = i32(this.end);
    this.op = u8(this.op);
    this.index = i32(this.index);
    this.before = f64(this.before);
    this.after = f64(this.after);
    this.flatEnd = i32(this.flatEnd);
    this.elseOf = i32(this.elseOf);
    this.folded = u8(this.folded);
    this.wrap = u8(this.wrap);
    this.regionAfter = f64(this.regionAfter);
    this.armCharge = f64(this.armCharge);
    this.refund = f64(this.refund);
    this.splits = u8(this.splits);
  }

  /**
   * Decode the instructions from `r.pos` to `r.end` (after the local declarations). One loop over the bytes
   * with the cursor in a local and table lookups for the immediates, storing only events: this runs once per
   * instruction of every module, mostly before V8 has optimised it, so the common path makes no calls.
   */
  decodeBody(
    r: Reader,
    cost: ((code: number, sub: number) => number) | undefined,
    model: CostModel = "cpex",
  ): void {
    const costs = COST_TABLES[model];
    this.model = model;
    const bytes = r.bytes;
    const end = r.end;
    const d = this.decoded;
    let pos = r.pos;
    let e = 0;
    let total = 0;
    let hasLoop = false;
    let hasCall = false;
    let hasSized = false;
    while (pos < end) {
      const at = pos;
      const code = bytes[pos++]!;
      const kind = IMMEDIATES[code]!;
      if (kind === NONE) {
        total += cost === undefined ? costs[code]! : cost(code, -1);
        continue;
      }
      if (kind === U32 || kind === I32 || kind === I64) {
        while (bytes[pos++]! & 0x80);
        total += cost === undefined ? costs[code]! : cost(code, -1);
        continue;
      }
      if (kind === MEMARG && (bytes[pos]! & 0x40) === 0) {
        while (bytes[pos++]! & 0x80);
        while (bytes[pos++]! & 0x80);
        total += cost === undefined ? costs[code]! : cost(code, -1);
        continue;
      }
      if (kind === F32 || kind === F64) {
        pos += kind === F32 ? 4 : 8;
        total += cost === undefined ? costs[code]! : cost(code, -1);
        continue;
      }
      let op: number;
      let index = 0;
      let sub = -1;
      if (kind === STRUCT) {
        op = STRUCT_OPS[code]!;
        if (op === Op.Block || op === Op.Loop || op === Op.If) {
          const bt = bytes[pos]!;
          if (bt === 0x40 || (bt >= 0x7b && bt <= 0x7f) || bt === 0x70 || bt === 0x6f) pos++;
          else pos = this.slow(r, at);
          if (op === Op.Loop) hasLoop = true;
        } else if (
          op === Op.Br ||
          op === Op.BrIf ||
          op === Op.Call ||
          op === Op.ReturnCall ||
          op === Op.GlobalGet ||
          op === Op.GlobalSet
        ) {
          let b = bytes[pos++]!;
          index = b & 0x7f;
          let mul = 128;
          while (b & 0x80) {
            b = bytes[pos++]!;
            index += (b & 0x7f) * mul;
            mul *= 128;
          }
          if (op === Op.Call || op === Op.ReturnCall) hasCall = true;
        }
      } else {
        // SLOW, and memargs naming a memory index: the general decoder (it rejects what is not supported).
        pos = this.slow(r, at);
        op = d.op;
        sub = d.sub;
        index = d.index;
        if (op === Op.CallIndirect || op === Op.ReturnCallIndirect) hasCall = true;
        else if (op === Op.MemoryGrow || op === Op.BulkMemory || op === Op.BulkTable) hasSized = true;
      }
      const before = total;
      total += cost === undefined ? costs[code]! : cost(code, sub);
      if (IS_EVENT[op] !== 1) continue;
      if (e >= this.start.length) this.grow();
      this.start[e] = at;
      this.end[e] = pos;
      this.op[e] = op;
      this.index[e] = index;
      this.before[e] = before;
      this.after[e] = total;
      e++;
    }
    if (pos > end) throw new BinaryError("instruction runs past the end of the body", end);
    this.count = e;
    this.hasLoop = hasLoop;
    this.hasCall = hasCall;
    this.hasSized = hasSized;
  }

  /** The general decoder for one instruction at `at`; returns the position after it. */
  private slow(r: Reader, at: number): number {
    r.pos = at;
    decode(r, this.decoded);
    return r.pos;
  }

  /** Whether event `e` ends a region (the instruction after it is a branch target, or in the exact model a br_if). */
  boundary(e: number): boolean {
    if (this.folded[e] !== 0) return false;
    const op = this.op[e];
    return (
      op === Op.Loop ||
      op === Op.If ||
      op === Op.Else ||
      op === Op.End ||
      (op === Op.BrIf && this.splits[e] === 1)
    );
  }

  /**
   * Fold flat `if`s and cost the regions. A flat `if` (no block, loop or if inside either arm) does not split
   * its region: the region is charged the costlier arm up front and runs on through the `end`, since every path
   * through the `if` reaches it once.
   */
  planRegions(types: readonly FuncType[], bytes: Uint8Array): void {
    const { count, op, flatEnd, elseOf, folded, open, before, after, armCharge, refund, splits, exact } =
      this;
    open.length = 0;
    for (let e = 0; e < count; e++) {
      const o = op[e]!;
      flatEnd[e] = -1;
      folded[e] = 0;
      armCharge[e] = 0;
      refund[e] = 0;
      splits[e] = 0;
      if (o === Op.Block || o === Op.Loop || o === Op.If) {
        const parent = open[open.length - 1];
        if (parent !== undefined && op[parent] === Op.If) flatEnd[parent] = -2; // nested: not flat
        open.push(e);
        elseOf[e] = -1;
        if (o === Op.Loop) this.wrap[e] = loopHasNoParams(types, bytes, this.start[e]! + 1) ? 1 : 0;
      } else if (o === Op.Else) {
        const top = open[open.length - 1];
        if (top !== undefined) elseOf[top] = e;
      } else if (o === Op.End) {
        const start = open.pop();
        if (start !== undefined && op[start] === Op.If && flatEnd[start] !== -2) {
          flatEnd[start] = e;
          folded[start] = 1;
          folded[e] = 1;
          if (elseOf[start]! >= 0) folded[elseOf[start]!] = 1;
        }
      } else if (exact && (IS_EXIT[o] === 1 || o === Op.BrIf)) {
        // An arm that can leave early is not folded in the exact model: its charge would run before the exit.
        const top = open[open.length - 1];
        if (top !== undefined && op[top] === Op.If) flatEnd[top] = -2;
        if (o === Op.BrIf) {
          const d = this.index[e]!;
          const target = d < open.length ? open[open.length - 1 - d] : undefined;
          splits[e] = target === undefined || !this.takesNoValues(target, bytes) ? 1 : 0;
        }
      }
    }
    // Regions run from the entry, or from the event that ends the previous one, to the next event that ends one.
    // A flat `if` counts its own cost and one arm's (cpex: the costlier; exact: the cheaper, the other arm
    // charging the difference) instead of both arms and its `else`/`end`. In the exact model the code after an
    // unconditional exit is dead up to the end of the region: its cost is frozen at the exit.
    let from = -1;
    let fromCost = 0;
    let adjust = 0;
    let frozen = -1;
    // The br_ifs of the current region that give back (exact model), and the region's cost up to each.
    const pending = this.pending;
    pending.length = 0;
    for (let e = 0; e < count; e++) {
      const fe = flatEnd[e]!;
      if (fe >= 0) {
        if (frozen < 0) {
          const el = elseOf[e]!;
          const then = (el >= 0 ? before[el]! : before[fe]!) - after[e]!;
          const other = el >= 0 ? before[fe]! - after[el]! : 0;
          const upFront = exact ? Math.min(then, other) : Math.max(then, other);
          adjust += upFront - (after[fe]! - after[e]!);
          if (exact) {
            armCharge[e] = then - upFront;
            if (el >= 0) armCharge[el] = other - upFront;
          }
        }
        e = fe;
        continue;
      }
      if (exact && frozen < 0 && IS_EXIT[op[e]!] === 1) frozen = after[e]! - fromCost + adjust;
      if (exact && frozen < 0 && op[e] === Op.BrIf && splits[e] === 0) {
        pending.push(e, after[e]! - fromCost + adjust);
      }
      if (this.boundary(e)) {
        const c = frozen >= 0 ? frozen : after[e]! - fromCost + adjust;
        for (let k = 0; k < pending.length; k += 2) refund[pending[k]!] = c - pending[k + 1]!;
        pending.length = 0;
        if (from < 0) this.entryCost = c + ENTRY_COST[exact ? "wasmtime" : "cpex"];
        else this.regionAfter[from] = c;
        from = e;
        fromCost = after[e]!;
        adjust = 0;
        frozen = -1;
      }
    }
  }

  private readonly pending: number[] = [];

  /** Whether a branch to the block, loop or if of event `f` carries no values (so a br_if to it can be wrapped). */
  private takesNoValues(f: number, bytes: Uint8Array): boolean {
    if (this.op[f] === Op.Loop) return this.wrap[f] === 1; // a loop's label takes its parameters
    return bytes[this.start[f]! + 1] === 0x40; // a block's or if's label takes its results
  }

  /** The regions' costs in order, the entry's first (for tests and tools). */
  regionCosts(): number[] {
    const out = [this.entryCost];
    for (let e = 0; e < this.count - 1; e++) if (this.boundary(e)) out.push(this.regionAfter[e]!);
    return out;
  }
}

/** Whether the loop whose block type starts at `at` has no parameters (then it can be wrapped). */
function loopHasNoParams(types: readonly FuncType[], bytes: Uint8Array, at: number): boolean {
  if (isShortBlockType(bytes[at])) return true;
  // A type index (s33, non-negative here since V8 validated the module).
  let index = 0;
  let mul = 1;
  for (let p = at; p < at + 5; p++) {
    const b = bytes[p]!;
    index += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) break;
  }
  return (types[index]?.params.length ?? 1) === 0;
}
