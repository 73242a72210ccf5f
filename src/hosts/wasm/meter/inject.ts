// Emitting one metered function body from its plan (plan.ts): charges at region starts, checks at function entry
// and loop headers, run-time charges before sized operations, loop wrapping, and index remapping of calls and
// globals. One emitter per pass, reused for every body: its methods are monomorphic and allocate nothing per
// instruction, so the code is fast before V8 has optimised it (the first load of a process runs it cold).

import { Reader, type Writer } from "../binary/bytes.js";
import { OP, Op } from "../binary/opcodes.js";
import { SIZED_COSTS } from "./options.js";
import type { BodyPlan } from "./plan.js";
import type { IndexRemap } from "./remap.js";

/** Extra labels a wrapped loop adds around itself ($exit, $retry, $refill). */
const WRAP_DEPTH = 3;

// (after reading the fuel) i64.const 0; i64.lt_s; br_if 1 ($refill of the wrapper)
const WRAPPED_CHECK = new Uint8Array([OP.i64Const, 0, OP.i64LtS, OP.brIf, 1]);
// br 2 ($exit); end ($refill) — the fuel read and the call follow
const WRAP_TAIL_HEAD = new Uint8Array([OP.br, 2, OP.end]);
// (after the new fuel is stored and read back) i64.eqz; if; unreachable; end
const STOP_ON_ZERO = new Uint8Array([OP.i64Eqz, OP.if, OP.void, OP.unreachable, OP.end]);
// br 0 ($retry); end; end
const WRAP_TAIL_END = new Uint8Array([OP.br, 0, OP.end, OP.end]);
// (after reading the fuel) i64.const 0; i64.lt_s; if (void) — the refill follows
const CHECK_HEAD = new Uint8Array([OP.i64Const, 0, OP.i64LtS, OP.if, OP.void]);

export class BodyEmitter {
  charges = 0;
  checks = 0;
  private w!: Writer;
  private bytes!: Uint8Array;
  private plan!: BodyPlan;
  /** Next input byte not yet copied to the output. */
  private copyFrom = 0;
  /** The counter lives in local FL in this body (it has loops); else every access goes to the global. */
  private useLocal = false;
  private FL = 0;
  private tmp = 0;
  /** One entry per open block/loop/if (the body is frame 0): 1 = a wrapped loop. */
  private frames: number[] = [];
  private wrappedOpen = 0;
  /** For each open wrapped loop: its header's charge, given back after a refill (the retry charges it again). */
  private headerCosts: number[] = [];

  constructor(
    private readonly remap: IndexRemap,
    /** Maximum pages of memory 0 as written into the module (65536 when unknown, e.g. an imported memory). */
    private readonly memoryMaxPages: number,
  ) {}

  /** Emit the body planned in `plan`: instructions `bytes[from .. end)`; added locals tmp (i32), FL (i64). */
  emit(w: Writer, bytes: Uint8Array, plan: BodyPlan, from: number, tmp: number, end: number): void {
    this.w = w;
    this.bytes = bytes;
    this.plan = plan;
    this.tmp = tmp;
    this.FL = tmp + 1;
    this.copyFrom = from;
    this.frames.length = 1;
    this.frames[0] = 0;
    this.wrappedOpen = 0;
    this.headerCosts.length = 0;
    // Functions with loops keep the counter in a local: charges inside loops become register arithmetic. Those
    // without use the global directly (call-heavy code, where writing back around every call would cost more).
    this.useLocal = plan.hasLoop;
    this.entry(plan.entryCost, plan.boundedLeaf);
    const { count, op: ops, start: starts, end: ends, index: indices, regionAfter } = plan;
    // Only the events need work; the instructions between them are copied by the next flush. A region starts
    // right after an event that ends one.
    for (let i = 0; i < count; i++) {
      const op = ops[i]!;
      switch (op) {
        case Op.Call:
        case Op.ReturnCall:
        case Op.RefFunc:
          this.flush(starts[i]!);
          if (op !== Op.RefFunc) this.syncOut();
          w.byte(bytes[starts[i]!]!);
          w.u32(this.remap.func(indices[i]!));
          this.copyFrom = ends[i]!;
          if (op === Op.Call) this.syncIn();
          break;
        case Op.GlobalGet:
        case Op.GlobalSet: {
          const g = indices[i]!;
          const to = this.remap.global(g);
          if (to !== g) {
            this.flush(starts[i]!);
            w.byte(bytes[starts[i]!]!);
            w.u32(to);
            this.copyFrom = ends[i]!;
          }
          break;
        }
        case Op.CallIndirect:
          this.flush(starts[i]!);
          this.syncOut();
          w.bytes(bytes, starts[i]!, ends[i]!);
          this.copyFrom = ends[i]!;
          this.syncIn();
          break;
        case Op.ReturnCallIndirect:
        case Op.Return:
          this.flush(starts[i]!);
          this.copyFrom = starts[i]!;
          this.syncOut();
          break;
        case Op.BulkMemory:
        case Op.MemoryGrow:
        case Op.BulkTable: {
          const sized = SIZED_COSTS[plan.model];
          // A model may not charge memory.grow by size (wasmtime: the memory cap bounds it).
          if (op === Op.MemoryGrow && sized.growPageShift === undefined) break;
          this.flush(starts[i]!);
          this.copyFrom = starts[i]!;
          if (op === Op.BulkMemory) this.sizedCharge(OP.i64ShrU, sized.memoryByteShift);
          else if (op === Op.MemoryGrow) this.growCharge(sized.growPageShift!);
          else this.sizedCharge(0, 0);
          break;
        }
        case Op.BrIf:
          if (plan.refund[i]! > 0) this.refundingBrIf(i, indices[i]!);
          else this.branch(i, indices[i]!);
          break;
        case Op.Br:
          this.branch(i, indices[i]!);
          break;
        case Op.BrTable:
          this.brTable(i);
          break;
        case Op.Block:
          this.frames.push(0);
          break;
        case Op.If:
          this.frames.push(0);
          if (plan.armCharge[i]! > 0) this.armStart(i);
          break;
        case Op.Else:
          if (plan.armCharge[i]! > 0) this.armStart(i);
          break;
        case Op.Loop:
          this.loop(i);
          break;
        case Op.End:
          this.end(i, i === count - 1);
          break;
      }
      if (i + 1 < count && plan.boundary(i)) this.regionStart(i, regionAfter[i]!);
    }
    this.flush(end);
  }

  private flush(upTo: number): void {
    if (upTo > this.copyFrom) this.w.bytes(this.bytes, this.copyFrom, upTo);
  }

  private get(): void {
    if (this.useLocal) {
      this.w.byte(OP.localGet);
      this.w.u32(this.FL);
    } else {
      this.w.byte(OP.globalGet);
      this.w.u32(this.remap.fuelGlobal);
    }
  }

  private set(): void {
    if (this.useLocal) {
      this.w.byte(OP.localSet);
      this.w.u32(this.FL);
    } else {
      this.w.byte(OP.globalSet);
      this.w.u32(this.remap.fuelGlobal);
    }
  }

  /** `fuel -= c` (c > 0). */
  private charge(c: number): void {
    this.charges++;
    const w = this.w;
    this.get();
    w.byte(OP.i64Const);
    w.sleb(c);
    w.byte(OP.i64Sub);
    this.set();
  }

  /** `(new fuel on the stack) → FL, and the global when not using the local; trap on 0`. */
  private storeRefilled(): void {
    const w = this.w;
    w.byte(OP.localTee);
    w.u32(this.FL);
    if (!this.useLocal) {
      w.byte(OP.globalSet);
      w.u32(this.remap.fuelGlobal);
      w.byte(OP.localGet);
      w.u32(this.FL);
    }
    w.bytes(STOP_ON_ZERO);
  }

  /** `if (fuel < 0) { fuel = refill(fuel); if (fuel == 0) unreachable }` with the fuel in FL on entry. */
  private checkFromLocal(): void {
    this.checks++;
    const w = this.w;
    w.byte(OP.localGet);
    w.u32(this.FL);
    w.bytes(CHECK_HEAD);
    w.byte(OP.localGet);
    w.u32(this.FL);
    w.byte(OP.call);
    w.u32(this.remap.refillFunc);
    this.storeRefilled();
    w.byte(OP.end);
  }

  /**
   * Function entry: charge the first region and check, in one read of the global. With the counter in a local:
   * fuel = global − c into FL, check FL. Without: the same, then the global is written (FL is scratch). A bounded
   * leaf only charges.
   */
  private entry(cost: number, leaf: boolean): void {
    const w = this.w;
    const F = this.remap.fuelGlobal;
    if (leaf && !this.useLocal) {
      if (cost > 0) this.charge(cost);
      return;
    }
    w.byte(OP.globalGet);
    w.u32(F);
    if (cost > 0) {
      this.charges++;
      w.byte(OP.i64Const);
      w.sleb(cost);
      w.byte(OP.i64Sub);
    }
    if (!this.useLocal && cost > 0) {
      w.byte(OP.localTee);
      w.u32(this.FL);
      w.byte(OP.globalSet);
      w.u32(F);
    } else {
      w.byte(OP.localSet);
      w.u32(this.FL);
    }
    this.checkFromLocal();
  }

  /** Plain check of the counter wherever it lives. */
  private check(): void {
    if (this.useLocal) {
      this.checkFromLocal();
      return;
    }
    this.get();
    this.w.byte(OP.localSet);
    this.w.u32(this.FL);
    this.checkFromLocal();
  }

  /** The region after event `e` (which ends the previous one) starts: charge it; a loop header also checks. */
  private regionStart(e: number, cost: number): void {
    const plan = this.plan;
    this.flush(plan.end[e]!);
    this.copyFrom = plan.end[e]!;
    if (cost > 0) this.charge(cost);
    if (plan.op[e] !== Op.Loop) return;
    if (this.frames[this.frames.length - 1] === 1) {
      this.headerCosts.push(cost);
      // Wrapped loop: leave to the refill path outside it.
      this.checks++;
      this.get();
      this.w.bytes(WRAPPED_CHECK);
    } else {
      this.check();
    }
  }

  /** The arm of a folded `if` that starts after event `e` costs more than the one charged up front. */
  private armStart(e: number): void {
    const end = this.plan.end[e]!;
    this.flush(end);
    this.copyFrom = end;
    this.charge(this.plan.armCharge[e]!);
  }

  // The global is what callees, the host and traps see: write the local back before leaving the function or
  // calling, and reload it after a call returns.
  private syncOut(): void {
    if (!this.useLocal) return;
    this.w.byte(OP.localGet);
    this.w.u32(this.FL);
    this.w.byte(OP.globalSet);
    this.w.u32(this.remap.fuelGlobal);
  }

  private syncIn(): void {
    if (!this.useLocal) return;
    this.w.byte(OP.globalGet);
    this.w.u32(this.remap.fuelGlobal);
    this.w.byte(OP.localSet);
    this.w.u32(this.FL);
  }

  /** Run-time charge for the size on top of the stack (kept there): fuel -= size >> shift. */
  private sizedCharge(shiftOp: number, shift: number): void {
    this.charges++;
    const w = this.w;
    w.byte(OP.localTee);
    w.u32(this.tmp);
    this.get();
    w.byte(OP.localGet);
    w.u32(this.tmp);
    w.byte(OP.i64ExtendI32U);
    if (shift !== 0) {
      w.byte(OP.i64Const);
      w.u32(shift);
      w.byte(shiftOp);
    }
    w.byte(OP.i64Sub);
    this.set();
    this.check();
  }

  /**
   * memory.grow is charged for the pages it will grant, not the pages asked for: a request past the cap returns
   * -1 (as docs/abi.md promises) instead of failing on fuel. Charged = delta if delta <= max - size, else 0; the
   * memory's maximum is the capped one written into the module, so the test is exact.
   */
  private growCharge(pageShift: number): void {
    this.charges++;
    const w = this.w;
    w.byte(OP.localTee);
    w.u32(this.tmp); // delta stays on the stack for memory.grow
    this.get();
    w.byte(OP.localGet);
    w.u32(this.tmp);
    w.byte(OP.i32Const);
    w.u32(0);
    w.byte(OP.localGet);
    w.u32(this.tmp);
    w.byte(OP.i32Const);
    w.sleb(this.memoryMaxPages);
    w.byte(OP.memorySize);
    w.byte(0x00);
    w.byte(OP.i32Sub); // room = max - size
    w.byte(OP.i32LeU); // delta <= room
    w.byte(OP.select); // delta or 0
    w.byte(OP.i64ExtendI32U);
    w.byte(OP.i64Const);
    w.u32(pageShift);
    w.byte(OP.i64Shl);
    w.byte(OP.i64Sub);
    this.set();
    this.check();
  }

  /** Extra depth a branch of depth `d` needs for the wrapped loops it crosses. */
  private crossed(d: number): number {
    if (this.wrappedOpen === 0) return 0;
    const frames = this.frames;
    let extra = 0;
    for (let k = 0; k < d && k < frames.length; k++)
      if (frames[frames.length - 1 - k] === 1) extra += WRAP_DEPTH;
    return extra;
  }

  private leavesFunction(d: number): boolean {
    return d === this.frames.length - 1;
  }

  private branch(i: number, depth: number): void {
    const { start: starts, end: ends } = this.plan;
    if (this.useLocal && this.leavesFunction(depth)) {
      this.flush(starts[i]!);
      this.copyFrom = starts[i]!;
      this.syncOut();
    }
    const extra = this.crossed(depth);
    if (extra !== 0) {
      this.flush(starts[i]!);
      this.w.byte(this.bytes[starts[i]!]!);
      this.w.u32(depth + extra);
      this.copyFrom = ends[i]!;
    }
  }

  /**
   * wasmtime model: `br_if L` whose taken branch skips charged code becomes `if (then fuel += skipped; br L+1)
   * end`. The fall-through path costs nothing more; only a taken branch pays the give-back. (The plan uses this
   * only for labels inside the function that take no values, so the `if` needs no block type.)
   */
  private refundingBrIf(i: number, depth: number): void {
    const { start: starts, end: ends, refund } = this.plan;
    this.flush(starts[i]!);
    const w = this.w;
    w.byte(OP.if);
    w.byte(OP.void);
    this.charge(-refund[i]!);
    w.byte(OP.br);
    w.u32(depth + this.crossed(depth) + 1);
    w.byte(OP.end);
    this.copyFrom = ends[i]!;
  }

  private brTable(i: number): void {
    const start = this.plan.start[i]!;
    const end = this.plan.end[i]!;
    const r = new Reader(this.bytes, start + 1, end);
    const count = r.u32();
    let leaves = false;
    let rewrite = false;
    for (let k = 0; k <= count; k++) {
      const d = r.u32();
      if (this.leavesFunction(d)) leaves = true;
      if (this.crossed(d) !== 0) rewrite = true;
    }
    if (this.useLocal && leaves) {
      this.flush(start);
      this.copyFrom = start;
      this.syncOut();
    }
    if (!rewrite) return;
    this.flush(start);
    const w = this.w;
    w.byte(OP.brTable);
    w.u32(count);
    const again = new Reader(this.bytes, start + 1, end);
    again.u32();
    for (let k = 0; k <= count; k++) {
      const d = again.u32();
      w.u32(d + this.crossed(d));
    }
    this.copyFrom = end;
  }

  private loop(i: number): void {
    const { start: starts, end: ends, wrap } = this.plan;
    // Loops without parameters are wrapped so the refill call sits outside them: a call anywhere inside a loop,
    // even on a cold path, costs V8 more than the whole check.
    const wrapped = wrap[i] === 1;
    if (wrapped) {
      // block $exit bt; loop $retry bt; block $refill; (original) loop bt
      this.flush(starts[i]!);
      this.copyFrom = starts[i]!;
      const w = this.w;
      w.byte(OP.block);
      w.bytes(this.bytes, starts[i]! + 1, ends[i]!);
      w.byte(OP.loop);
      w.bytes(this.bytes, starts[i]! + 1, ends[i]!);
      w.byte(OP.block);
      w.byte(OP.void);
      this.wrappedOpen++;
    }
    this.frames.push(wrapped ? 1 : 0);
  }

  private end(i: number, last: boolean): void {
    const { start: starts, end: ends } = this.plan;
    if (last) {
      // Falling off the end returns: the caller (or the host) reads the global.
      this.flush(starts[i]!);
      this.copyFrom = starts[i]!;
      this.syncOut();
    }
    if (this.frames.pop() !== 1) return;
    this.wrappedOpen--;
    // After the original loop's end: leave with its results (br 2 = $exit); the refill path follows.
    this.flush(ends[i]!);
    this.copyFrom = ends[i]!;
    const w = this.w;
    w.bytes(WRAP_TAIL_HEAD);
    this.get();
    w.byte(OP.call);
    w.u32(this.remap.refillFunc);
    if (this.useLocal) {
      w.byte(OP.localTee);
      w.u32(this.FL);
      w.bytes(STOP_ON_ZERO);
    } else {
      this.storeRefilled();
    }
    const given = this.headerCosts.pop() ?? 0;
    if (given > 0) {
      this.get();
      w.byte(OP.i64Const);
      w.sleb(given);
      w.byte(OP.i64Add);
      this.set();
    }
    w.bytes(WRAP_TAIL_END);
  }
}
