// Instruction decoding: which immediates follow each opcode of WebAssembly 2.0 (+ tail calls), so a pass can walk
// a function body without building an object per instruction. Anything outside the supported feature set is
// rejected here with the opcode and offset — never skipped.

import { BinaryError, type Reader } from "./bytes.js";

/** Instruction kinds a pass cares about; everything else is `plain`. */
export enum Op {
  Plain = 0,
  Block = 1,
  Loop = 2,
  If = 3,
  Else = 4,
  End = 5,
  Br = 6,
  BrIf = 7,
  BrTable = 8,
  Return = 9,
  Unreachable = 10,
  Call = 11,
  ReturnCall = 12,
  ReturnCallIndirect = 13,
  RefFunc = 14,
  MemoryGrow = 15,
  /** memory.fill / memory.copy / memory.init: size on top of the stack, in bytes. */
  BulkMemory = 16,
  /** table.fill / table.copy / table.init / table.grow: count on top of the stack, in elements. */
  BulkTable = 17,
  Nop = 18,
  CallIndirect = 19,
  GlobalGet = 20,
  GlobalSet = 21,
}

/** Opcodes the instrumenter emits, by their text-format names (one byte each; `void` is the empty block type). */
export const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  memorySize: 0x3f,
  i32Const: 0x41,
  i64Const: 0x42,
  i32LeU: 0x4d,
  i64Eqz: 0x50,
  i64LtS: 0x53,
  i32Sub: 0x6b,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Shl: 0x86,
  i64ShrU: 0x88,
  i64ExtendI32U: 0xad,
  refFunc: 0xd2,
  void: 0x40,
  i32: 0x7f,
  i64: 0x7e,
} as const;

export interface Decoded {
  op: Op;
  /** First byte (or prefix byte) of the instruction. */
  code: number;
  /** Sub-opcode for prefixed instructions (0xFC, 0xFD), else -1. */
  sub: number;
  /** For Call / ReturnCall / RefFunc: the function index; GlobalGet / GlobalSet: the global; Br / BrIf: the depth. */
  index: number;
  indexStart: number;
  indexEnd: number;
}

function reject(what: string, _r: Reader, at: number): never {
  throw new BinaryError(`unsupported instruction: ${what}`, at);
}

function memarg(r: Reader, at: number): void {
  const align = r.u32();
  if (align & 0x40) reject("memory index in memarg (multi-memory)", r, at);
  r.u32();
}

/** A block type given as one byte: empty (0x40) or a single value type (no type index follows). */
export function isShortBlockType(b: number | undefined): boolean {
  return (
    b === 0x40 ||
    b === 0x7f ||
    b === 0x7e ||
    b === 0x7d ||
    b === 0x7c ||
    b === 0x7b ||
    b === 0x70 ||
    b === 0x6f
  );
}

function blockType(r: Reader): void {
  if (isShortBlockType(r.bytes[r.pos])) {
    r.pos++;
    return;
  }
  r.s33();
}

/** Decode one instruction at `r.pos`, advancing past it; fills `out`. */
export function decode(r: Reader, out: Decoded): void {
  const at = r.pos;
  const code = r.byte();
  out.code = code;
  out.sub = -1;
  out.op = Op.Plain;
  switch (code) {
    case 0x00:
      out.op = Op.Unreachable;
      return;
    case 0x01:
      out.op = Op.Nop;
      return;
    case 0x02:
      blockType(r);
      out.op = Op.Block;
      return;
    case 0x03:
      blockType(r);
      out.op = Op.Loop;
      return;
    case 0x04:
      blockType(r);
      out.op = Op.If;
      return;
    case 0x05:
      out.op = Op.Else;
      return;
    case 0x0b:
      out.op = Op.End;
      return;
    case 0x0c:
    case 0x0d:
      out.indexStart = r.pos;
      out.index = r.u32();
      out.indexEnd = r.pos;
      out.op = code === 0x0c ? Op.Br : Op.BrIf;
      return;
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      out.op = Op.BrTable;
      return;
    }
    case 0x0f:
      out.op = Op.Return;
      return;
    case 0x10:
    case 0x12:
      out.indexStart = r.pos;
      out.index = r.u32();
      out.indexEnd = r.pos;
      out.op = code === 0x10 ? Op.Call : Op.ReturnCall;
      return;
    case 0x11:
    case 0x13:
      r.u32();
      r.u32();
      out.op = code === 0x13 ? Op.ReturnCallIndirect : Op.CallIndirect;
      return;
    case 0x1a:
    case 0x1b:
      return;
    case 0x1c: {
      const n = r.u32();
      r.skip(n);
      return;
    }
    case 0x23:
    case 0x24:
      out.indexStart = r.pos;
      out.index = r.u32();
      out.indexEnd = r.pos;
      out.op = code === 0x23 ? Op.GlobalGet : Op.GlobalSet;
      return;
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x25:
    case 0x26:
      r.u32();
      return;
    case 0x3f:
    case 0x40: {
      const mem = r.u32();
      if (mem !== 0) reject(`memory index ${mem} (multi-memory)`, r, at);
      if (code === 0x40) out.op = Op.MemoryGrow;
      return;
    }
    case 0x41:
      r.skipSleb(5);
      return;
    case 0x42:
      r.skipSleb(10);
      return;
    case 0x43:
      r.skip(4);
      return;
    case 0x44:
      r.skip(8);
      return;
    case 0xd0:
      r.byte();
      return;
    case 0xd1:
      return;
    case 0xd2:
      out.indexStart = r.pos;
      out.index = r.u32();
      out.indexEnd = r.pos;
      out.op = Op.RefFunc;
      return;
    case 0xfc:
      decodeFC(r, out, at);
      return;
    case 0xfd:
      decodeFD(r, out, at);
      return;
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x18:
    case 0x19:
      reject(`exception handling (opcode 0x${code.toString(16)})`, r, at);
      break;
    case 0xfe:
      reject("threads/atomics (prefix 0xfe)", r, at);
      break;
    case 0xfb:
      reject("GC (prefix 0xfb)", r, at);
      break;
    default:
      if (code >= 0x28 && code <= 0x3e) {
        memarg(r, at);
        return;
      }
      if (code >= 0x45 && code <= 0xc4) return;
      reject(`opcode 0x${code.toString(16)}`, r, at);
  }
}

function decodeFC(r: Reader, out: Decoded, at: number): void {
  const sub = r.u32();
  out.sub = sub;
  if (sub <= 7) return;
  switch (sub) {
    case 8: // memory.init dataidx mem
      r.u32();
      if (r.u32() !== 0) reject("memory.init on memory > 0", r, at);
      out.op = Op.BulkMemory;
      return;
    case 9: // data.drop
    case 13: // elem.drop
    case 16: // table.size
      r.u32();
      return;
    case 10: // memory.copy dst src
      if (r.u32() !== 0 || r.u32() !== 0) reject("memory.copy between memories", r, at);
      out.op = Op.BulkMemory;
      return;
    case 11: // memory.fill
      if (r.u32() !== 0) reject("memory.fill on memory > 0", r, at);
      out.op = Op.BulkMemory;
      return;
    case 12: // table.init elem table
    case 14: // table.copy dst src
      r.u32();
      r.u32();
      out.op = Op.BulkTable;
      return;
    case 15: // table.grow
    case 17: // table.fill
      r.u32();
      out.op = Op.BulkTable;
      return;
    default:
      reject(`0xfc ${sub}`, r, at);
  }
}

function decodeFD(r: Reader, out: Decoded, at: number): void {
  const sub = r.u32();
  out.sub = sub;
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) {
    memarg(r, at);
    return;
  }
  if (sub === 0x0c || sub === 0x0d) {
    r.skip(16);
    return;
  }
  if (sub >= 0x15 && sub <= 0x22) {
    r.byte();
    return;
  }
  if (sub >= 0x54 && sub <= 0x5b) {
    memarg(r, at);
    r.byte();
    return;
  }
  // Every other fixed-width SIMD opcode up to 0xff has no immediate (relaxed SIMD, 0x100+, is not supported).
  if (sub <= 0xff) return;
  reject(`SIMD opcode 0xfd ${sub} (relaxed SIMD is not supported)`, r, at);
}
