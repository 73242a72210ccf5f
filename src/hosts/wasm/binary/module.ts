// Section-level view of a module: where each section is, plus the few tables a pass needs (types, imports,
// function types, memories, tables, exports). Bodies stay as byte ranges of the input so unchanged sections are
// copied, not re-encoded.

import { BinaryError, Reader } from "./bytes.js";

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Canonical order of non-custom sections (data count sits between element and code). */
export const SECTION_ORDER: readonly number[] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

export interface Section {
  readonly id: number;
  /** Payload range in the input. */
  readonly start: number;
  readonly end: number;
  /** For custom sections. */
  readonly name?: string;
}

export type ValType = number;

/** Text names of the value types, by their binary encoding. */
export const VALTYPE_NAMES = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
  112: "funcref",
  111: "externref",
} as const satisfies Readonly<Record<number, string>>;

/** Names of the import/export kinds, by their binary encoding. */
export const KIND_NAMES = ["func", "table", "memory", "global", "tag"] as const;
export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
  readonly shared: boolean;
  readonly is64: boolean;
}

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly kind: number; // 0 func, 1 table, 2 memory, 3 global, 4 tag
  readonly typeIndex?: number;
}

export interface Export {
  readonly name: string;
  readonly kind: number;
  readonly index: number;
}

export interface ModuleInfo {
  readonly bytes: Uint8Array;
  readonly sections: readonly Section[];
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  readonly importedFuncs: number;
  readonly importedGlobals: number;
  /** Type index of each defined function. */
  readonly funcTypes: readonly number[];
  readonly memories: readonly Limits[];
  readonly tables: readonly (Limits & { readonly elemType: number })[];
  readonly globals: number;
  readonly exports: readonly Export[];
}

export function readLimits(r: Reader, what: string): Limits {
  const at = r.pos;
  const flags = r.byte();
  if (flags > 7) throw new BinaryError(`${what}: unknown limits flags 0x${flags.toString(16)}`, at);
  const is64 = (flags & 4) !== 0;
  const min = r.u32();
  const max = flags & 1 ? r.u32() : undefined;
  return { min, max, shared: (flags & 2) !== 0, is64 };
}

export function readValType(r: Reader): ValType {
  const at = r.pos;
  const t = r.byte();
  if (t === 0x7f || t === 0x7e || t === 0x7d || t === 0x7c || t === 0x7b || t === 0x70 || t === 0x6f)
    return t;
  throw new BinaryError(`unsupported value type 0x${t.toString(16)}`, at);
}

/** Split the module into sections and read the tables passes need. Throws BinaryError on malformed input. */
export function readModule(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new BinaryError("not a WebAssembly module (bad magic number)", 0);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new BinaryError("unsupported binary version (only version 1 modules are accepted)", 4);
  }
  const sections: Section[] = [];
  const types: FuncType[] = [];
  const imports: Import[] = [];
  const funcTypes: number[] = [];
  const memories: Limits[] = [];
  const tables: (Limits & { elemType: number })[] = [];
  const exports: Export[] = [];
  let importedFuncs = 0;
  let importedGlobals = 0;
  let globals = 0;
  let lastOrder = -1;
  const top = new Reader(bytes, 8);
  while (!top.done) {
    const at = top.pos;
    const id = top.byte();
    const size = top.u32();
    const start = top.pos;
    const end = start + size;
    if (end > bytes.length) throw new BinaryError(`section ${id} runs past the end of the module`, at);
    const r = new Reader(bytes, start, end);
    if (id === SECTION.custom) {
      sections.push({ id, start, end, name: r.name() });
      top.pos = end;
      continue;
    }
    const order = SECTION_ORDER.indexOf(id);
    if (order < 0) throw new BinaryError(`unknown section id ${id}`, at);
    if (order <= lastOrder) throw new BinaryError(`section ${id} out of order or duplicated`, at);
    lastOrder = order;
    sections.push({ id, start, end });
    switch (id) {
      case SECTION.type: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const form = r.byte();
          if (form !== 0x60)
            throw new BinaryError(`type ${i}: unsupported type form 0x${form.toString(16)}`, r.pos - 1);
          const params = Array.from({ length: r.u32() }, () => readValType(r));
          const results = Array.from({ length: r.u32() }, () => readValType(r));
          types.push({ params, results });
        }
        break;
      }
      case SECTION.import: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const module = r.name();
          const name = r.name();
          const kind = r.byte();
          if (kind === 0) {
            imports.push({ module, name, kind, typeIndex: r.u32() });
            importedFuncs++;
          } else if (kind === 1) {
            const elemType = readValType(r);
            tables.push({ ...readLimits(r, `import ${module}.${name}`), elemType });
            imports.push({ module, name, kind });
          } else if (kind === 2) {
            memories.push(readLimits(r, `import ${module}.${name}`));
            imports.push({ module, name, kind });
          } else if (kind === 3) {
            readValType(r);
            r.byte();
            importedGlobals++;
            imports.push({ module, name, kind });
          } else if (kind === 4) {
            throw new BinaryError(
              `import ${module}.${name}: tags (exception handling) are not supported`,
              r.pos,
            );
          } else {
            throw new BinaryError(`import ${module}.${name}: unknown kind ${kind}`, r.pos);
          }
        }
        break;
      }
      case SECTION.function: {
        const n = r.u32();
        for (let i = 0; i < n; i++) funcTypes.push(r.u32());
        break;
      }
      case SECTION.table: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const elemType = readValType(r);
          tables.push({ ...readLimits(r, `table ${i}`), elemType });
        }
        break;
      }
      case SECTION.memory: {
        const n = r.u32();
        for (let i = 0; i < n; i++) memories.push(readLimits(r, `memory ${i}`));
        break;
      }
      case SECTION.global:
        globals = r.u32();
        break;
      case SECTION.export: {
        const n = r.u32();
        for (let i = 0; i < n; i++) exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
        break;
      }
      case SECTION.tag:
        throw new BinaryError("tag section (exception handling) is not supported", at);
    }
    top.pos = end;
  }
  return {
    bytes,
    sections,
    types,
    imports,
    importedFuncs,
    importedGlobals,
    funcTypes,
    memories,
    tables,
    globals,
    exports,
  };
}
