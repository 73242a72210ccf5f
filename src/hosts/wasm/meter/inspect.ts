// A summary of a module for tools (`cpex inspect`): imports with signatures, exports, memories, tables, sections.

import { KIND_NAMES, readModule, VALTYPE_NAMES } from "../binary/module.js";

const VALTYPE: Readonly<Record<number, string>> = VALTYPE_NAMES;
const KIND: readonly string[] = KIND_NAMES;

export interface ModuleSummary {
  readonly bytes: number;
  readonly imports: ReadonlyArray<{ module: string; name: string; kind: string; signature?: string }>;
  readonly exports: ReadonlyArray<{ name: string; kind: string; signature?: string }>;
  readonly functions: { readonly imported: number; readonly defined: number };
  readonly memories: ReadonlyArray<{ min: number; max?: number; shared: boolean }>;
  readonly tables: ReadonlyArray<{ min: number; max?: number; element: string }>;
  readonly sections: ReadonlyArray<{ id: number; name?: string; size: number }>;
}

export function inspect(bytes: Uint8Array): ModuleSummary {
  const info = readModule(bytes);
  const sig = (typeIndex: number | undefined): string | undefined => {
    const t = typeIndex === undefined ? undefined : info.types[typeIndex];
    if (t === undefined) return undefined;
    const names = (v: readonly number[]) => v.map((x) => VALTYPE[x] ?? "?").join(", ");
    return `(${names(t.params)}) -> (${names(t.results)})`;
  };
  const funcType = (index: number): number | undefined =>
    index < info.importedFuncs
      ? info.imports.filter((i) => i.kind === 0)[index]?.typeIndex
      : info.funcTypes[index - info.importedFuncs];
  return {
    bytes: bytes.length,
    imports: info.imports.map((i) => ({
      module: i.module,
      name: i.name,
      kind: KIND[i.kind] ?? "?",
      ...(i.kind === 0 ? { signature: sig(i.typeIndex) } : {}),
    })),
    exports: info.exports.map((e) => ({
      name: e.name,
      kind: KIND[e.kind] ?? "?",
      ...(e.kind === 0 ? { signature: sig(funcType(e.index)) } : {}),
    })),
    functions: { imported: info.importedFuncs, defined: info.funcTypes.length },
    memories: info.memories.map((m) => ({
      min: m.min,
      ...(m.max === undefined ? {} : { max: m.max }),
      shared: m.shared,
    })),
    tables: info.tables.map((t) => ({
      min: t.min,
      ...(t.max === undefined ? {} : { max: t.max }),
      element: VALTYPE[t.elemType] ?? "?",
    })),
    sections: info.sections.map((s) => ({
      id: s.id,
      ...(s.name === undefined ? {} : { name: s.name }),
      size: s.end - s.start,
    })),
  };
}
