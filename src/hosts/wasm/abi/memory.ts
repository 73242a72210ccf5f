// Bounds-checked access to guest linear memory. Pointers and lengths arrive as signed i32 JS numbers: normalise
// with `>>> 0` (a negative pointer would otherwise index from the end) and re-read `memory.buffer` on every access
// (growth detaches the old ArrayBuffer).

import { abiViolation } from "../errors.js";

export class GuestMemory {
  constructor(private readonly memory: WebAssembly.Memory) {}

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  get pages(): number {
    return this.memory.buffer.byteLength / 65536;
  }

  /** A view of [ptr, ptr+len) after checking it lies inside memory. */
  range(ptr: number, len: number, what: string): Uint8Array {
    const p = ptr >>> 0;
    const n = len >>> 0;
    const buffer = this.memory.buffer;
    if (p + n > buffer.byteLength) {
      throw abiViolation(
        `${what}: range [${p}, ${p + n}) is outside guest memory (${buffer.byteLength} bytes)`,
        {
          ptr: p,
          len: n,
          memory_bytes: buffer.byteLength,
        },
      );
    }
    return new Uint8Array(buffer, p, n);
  }

  write(ptr: number, bytes: Uint8Array, what: string): void {
    this.range(ptr, bytes.length, what).set(bytes);
  }

  writeU32(ptr: number, value: number, what: string): void {
    const view = this.range(ptr, 4, what);
    new DataView(view.buffer, view.byteOffset, 4).setUint32(0, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint, what: string): void {
    const view = this.range(ptr, 8, what);
    new DataView(view.buffer, view.byteOffset, 8).setBigUint64(0, value, true);
  }

  readU32(ptr: number, what: string): number {
    const view = this.range(ptr, 4, what);
    return new DataView(view.buffer, view.byteOffset, 4).getUint32(0, true);
  }
}
