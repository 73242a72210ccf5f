// Planning one function body: decode its instructions into flat typed arrays, then decide where the metered
// regions start, what each costs, which `if`s fold into their region and which loops are wrapped. Pure (no
// output bytes): inject.ts turns a plan into code, and the unit tests read plans directly.
//
// A metered region runs from a branch *target* (function entry, loop header, if/else arm, the point after an
// `end`) to the next one. Branches out of the middle (br, br_if, br_table, return, unreachable) do not split it:
// the whole region is charged on entry, so an early exit is charged as if it ran to the end. That is the usual
// trade of injected metering (fewer charge points, conservative and still exact run to run).

import type { Reader } from "../binary/bytes.js";
import type { FuncType } from "../binary/module.js";
import { type Decoded, decode, isShortBlockType, Op } from "../binary/opcodes.js";
import { defaultCost } from "./options.js";

/** Per-instruction arrays of one body, reused from body to body of one module (owned by one pass). */
export class BodyPlan {
  n = 0;
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  ops = new Uint8Array(1024);
  costs = new Int32Array(1024);
  /** Call / ReturnCall / RefFunc: function index; GlobalGet / GlobalSet: global; Br / BrIf: depth; else -1. */
  indices = new Int32Array(1024);
  /** For a flat `if`: the index of its `end`; -1 otherwise. */
  flatEnd = new Int32Array(1024);
  /** For a flat `if`: the cost of its costlier arm. */
  armCost = new Int32Array(1024);
  /** 1 on the `if`, `else` and `end` of a flat `if`: they do not end a region. */
  folded = new Uint8Array(1024);
  /** Where a region starts: its total cost; elsewhere -1. */
  regionCost = new Int32Array(1024);
  /** For a `loop`: 1 when it is wrapped so its refill call sits outside it (no block parameters). */
  wrap = new Uint8Array(1024);
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

  private grow(n: number): void {
    const size = Math.max(n + 1, this.starts.length * 2);
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
    this.starts = i32(this.starts);
    this.ends = i32(this.ends);
    this.ops = u8(this.ops);
    this.costs = i32(this.costs);
    this.indices = i32(this.indices);
    this.flatEnd = i32(this.flatEnd);
    this.armCost = i32(this.armCost);
    this.folded = u8(this.folded);
    this.regionCost = i32(this.regionCost);
    this.wrap = u8(this.wrap);
  }

  /** Decode the instructions from `r.pos` to `r.end` (after the local declarations). */
  decodeBody(r: Reader, cost: ((code: number, sub: number) => number) | undefined): void {
    const d = this.decoded;
    let n = 0;
    let hasLoop = false;
    let hasCall = false;
    let hasSized = false;
    while (r.pos < r.end) {
      if (n >= this.starts.length) this.grow(n);
      this.starts[n] = r.pos;
      decode(r, d);
      this.ends[n] = r.pos;
      const op = d.op;
      this.ops[n] = op;
      this.costs[n] = cost === undefined ? defaultCost(d.code) : cost(d.code, d.sub);
      this.indices[n] =
        op === Op.Call ||
        op === Op.ReturnCall ||
        op === Op.RefFunc ||
        op === Op.Br ||
        op === Op.BrIf ||
        op === Op.GlobalGet ||
        op === Op.GlobalSet
          ? d.index
          : -1;
      if (op === Op.Loop) hasLoop = true;
      else if (
        op === Op.Call ||
        op === Op.CallIndirect ||
        op === Op.ReturnCall ||
        op === Op.ReturnCallIndirect
      )
        hasCall = true;
      else if (op === Op.MemoryGrow || op === Op.BulkMemory || op === Op.BulkTable) hasSized = true;
      n++;
    }
    this.n = n;
    this.hasLoop = hasLoop;
    this.hasCall = hasCall;
    this.hasSized = hasSized;
  }

  /** Whether instruction `i` ends a region (a later instruction is a branch target). */
  boundary(i: number): boolean {
    if (this.folded[i] !== 0) return false;
    const op = this.ops[i];
    return op === Op.Loop || op === Op.If || op === Op.Else || op === Op.End;
  }

  /**
   * Fold flat `if`s and cost the regions. A flat `if` (no block, loop or if inside either arm) does not split
   * its region: the region is charged the costlier arm up front and runs on through the `end`, since every path
   * through the `if` reaches it once.
   */
  planRegions(types: readonly FuncType[], bytes: Uint8Array): void {
    const { n, ops, costs, flatEnd, armCost, folded, open } = this;
    flatEnd.fill(-1, 0, n);
    folded.fill(0, 0, n);
    open.length = 0;
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op === Op.Block || op === Op.Loop || op === Op.If) {
        const parent = open[open.length - 1];
        if (parent !== undefined && ops[parent] === Op.If) flatEnd[parent] = -2; // nested: not flat
        open.push(i);
        if (op === Op.Loop) this.wrap[i] = loopHasNoParams(types, bytes, this.starts[i]! + 1) ? 1 : 0;
      } else if (op === Op.End) {
        const start = open.pop();
        if (start !== undefined && ops[start] === Op.If && flatEnd[start] !== -2) {
          let then = 0;
          let other = 0;
          let inElse = false;
          for (let k = start + 1; k < i; k++) {
            if (ops[k] === Op.Else) {
              inElse = true;
              folded[k] = 1;
            } else if (inElse) other += costs[k]!;
            else then += costs[k]!;
          }
          flatEnd[start] = i;
          armCost[start] = Math.max(then, other);
          folded[start] = 1;
          folded[i] = 1;
        }
      }
    }
    // One pass: a region accumulates until the instruction that ends it; a flat `if` adds its own cost and its
    // costlier arm, and the scan resumes after its `end` (whose cost the arm already stands for).
    const regionCost = this.regionCost;
    regionCost.fill(-1, 0, n);
    let from = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      c += costs[i]!;
      const fe = flatEnd[i]!;
      if (fe >= 0) {
        c += armCost[i]!;
        i = fe;
        continue;
      }
      if (this.boundary(i)) {
        regionCost[from] = c;
        from = i + 1;
        c = 0;
      }
    }
    if (from < n) regionCost[from] = c;
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
