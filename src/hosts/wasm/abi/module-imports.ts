// Reads just enough of a module (type and import sections) to check its imports against the ABI before V8 sees
// it. Validation proper is V8's and the instrumenter's; malformed input here is reported, never trusted.

import type { DeclaredImport, FuncSig, ValType } from "./signatures.js";

const VALTYPES: Readonly<Record<number, ValType>> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
  112: "funcref",
  111: "externref",
};
const KINDS = ["func", "table", "memory", "global", "tag"] as const;

class Cursor {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.end) throw new Error(`unexpected end of section at offset ${this.pos}`);
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new Error(`LEB128 too long at offset ${this.pos}`);
  }
  name(): string {
    const n = this.u32();
    if (this.pos + n > this.end) throw new Error(`name runs past the section at offset ${this.pos}`);
    const s = new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) throw new Error(`unknown value type 0x${b.toString(16)} at offset ${this.pos - 1}`);
    return t;
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function readImports(bytes: Uint8Array): DeclaredImport[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("not a WebAssembly module (bad magic number)");
  }
  const types: FuncSig[] = [];
  const imports: DeclaredImport[] = [];
  const top = new Cursor(bytes, 8, bytes.length);
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const end = top.pos + size;
    if (end > bytes.length) throw new Error(`section ${id} runs past the end of the module`);
    const c = new Cursor(bytes, top.pos, end);
    if (id === 1) {
      const n = c.u32();
      for (let i = 0; i < n; i++) {
        const form = c.byte();
        if (form !== 0x60) throw new Error(`type ${i}: unsupported type form 0x${form.toString(16)}`);
        const params = Array.from({ length: c.u32() }, () => c.valtype());
        const results = Array.from({ length: c.u32() }, () => c.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      const n = c.u32();
      for (let i = 0; i < n; i++) {
        const module = c.name();
        const name = c.name();
        const kindByte = c.byte();
        const kind = KINDS[kindByte];
        if (kind === undefined) throw new Error(`import ${module}.${name}: unknown kind ${kindByte}`);
        if (kind === "func") {
          const t = c.u32();
          const sig = types[t];
          if (sig === undefined) throw new Error(`import ${module}.${name}: type index ${t} out of range`);
          imports.push({ module, name, kind, sig });
        } else {
          if (kind === "table") {
            c.byte();
            c.limits();
          } else if (kind === "memory") c.limits();
          else if (kind === "global") {
            c.valtype();
            c.byte();
          } else {
            c.byte();
            c.u32();
          }
          imports.push({ module, name, kind });
        }
      }
      return imports;
    } else if (id !== 0 && id > 2) {
      return imports; // sections are ordered: past the import section there are no imports
    }
    top.pos = end;
  }
  return imports;
}
