// The Engine: what every WebAssembly plugin of a process shares — compiled modules (instrumented and compiled
// once per module hash and limits) and the MessagePack encoding of payloads (once per payload object, shared by
// every wasm plugin of a pipeline).

import { createHash } from "node:crypto";
import { CpexError } from "../../core/cpex-error.js";
import { encode } from "./abi/msgpack.js";
import { checkImports, type DeclaredImport, type ValType } from "./abi/signatures.js";
import { MAX_NAME_CHARS, safeText } from "./abi/text.js";
import { BinaryError } from "./binary/bytes.js";
import { KIND_NAMES, type ModuleInfo, readModule, VALTYPE_NAMES } from "./binary/module.js";
import { InstrumentCache, instrumenterFingerprint } from "./compile-cache.js";
import { TABLE_ELEMENT_BYTES } from "./limits.js";
import { type InstrumentReport, instrument } from "./meter/index.js";
import { type CostModel, DEFAULT_COST_MODEL, optionsKey, resolveOptions } from "./meter/options.js";
import { instrumentThread, type PortableOptions } from "./offthread.js";

// readModule rejects unknown value types, so every encoding seen here has a name.
const valType = (t: number): ValType => (VALTYPE_NAMES as Readonly<Record<number, ValType>>)[t]!;

export interface CompiledPlugin {
  readonly sha256: string;
  readonly module: WebAssembly.Module;
  readonly report: InstrumentReport;
  readonly exports: readonly string[];
  /** Linear-memory cap in pages as written into the module (memory_mb less what the tables are charged). */
  readonly memoryCapPages: number;
  /** Where the instrumented bytes came from: the persistent cache, a fresh pass (stored), or no cache in use. */
  readonly cache: "hit" | "miss" | "off";
}

/** The shape limits a module is compiled under (part of the compile cache key). */
export interface CompileLimits {
  readonly maxMemoryPages: number;
  /** The instrumenter's cost model (limits.fuel_model); default DEFAULT_COST_MODEL. */
  readonly costModel?: CostModel;
  readonly maxTables: number;
  readonly maxTableElements: number;
  /**
   * Directory of the persistent instrumentation cache (compile-cache.ts); false or absent: none. Not part of the
   * in-memory key: the same input under the same limits instruments to the same bytes wherever they are stored.
   */
  readonly cacheDir?: string | false;
}

/** Exports the host calls, with the types they must have (docs/abi.md §1). */
const REQUIRED_EXPORTS: ReadonlyArray<{ name: string; params: string; results: string; required: boolean }> =
  [
    { name: "cpex_abi_version", params: "", results: "i32", required: true },
    { name: "cpex_handle", params: "", results: "i32", required: true },
    { name: "cpex_init", params: "", results: "i32", required: false },
    { name: "_initialize", params: "", results: "", required: false },
  ];

export class CompileError extends CpexError<"compile_failed"> {
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
  ) {
    super("compile_failed", message);
    this.name = "CompileError";
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class WasmEngine {
  private readonly modules = new Map<string, Promise<CompiledPlugin>>();
  private readonly payloads = new WeakMap<object, Uint8Array>();

  /**
   * `unsafeTestImports`: accept the test-only `cpex_test` import module (guest.ts); never for real plugins.
   * `instrumentInline`: run the pass on the calling thread instead of the instrumentation thread (offthread.ts).
   */
  constructor(
    private readonly options: {
      readonly unsafeTestImports?: boolean;
      readonly instrumentInline?: boolean;
    } = {},
  ) {
    // The cache key needs a hash of the instrumenter's code: read it now, while the embedder is still starting,
    // rather than on the first load.
    void instrumenterFingerprint();
  }

  /** Check imports and exports, instrument and compile `bytes` (cached by content hash and limits). */
  compile(bytes: Uint8Array, options: CompileLimits): Promise<CompiledPlugin> {
    const sha256 = sha256Hex(bytes);
    const key = `${sha256}:${options.maxMemoryPages}:${options.maxTables}:${options.maxTableElements}:${options.costModel ?? DEFAULT_COST_MODEL}`;
    let pending = this.modules.get(key);
    if (pending === undefined) {
      pending = this.compileUncached(bytes, sha256, options);
      this.modules.set(key, pending);
      pending.catch(() => this.modules.delete(key));
    }
    return pending;
  }

  private async compileUncached(
    bytes: Uint8Array,
    sha256: string,
    options: CompileLimits,
  ): Promise<CompiledPlugin> {
    let imports: DeclaredImport[];
    let info: ModuleInfo;
    try {
      info = readModule(bytes);
      imports = info.imports.map((i) => {
        const type = i.typeIndex === undefined ? undefined : info.types[i.typeIndex];
        return {
          module: i.module,
          name: i.name,
          kind: KIND_NAMES[i.kind] ?? "func",
          ...(type === undefined
            ? {}
            : { sig: { params: type.params.map(valType), results: type.results.map(valType) } }),
        };
      });
    } catch (err) {
      if (err instanceof BinaryError)
        throw new CompileError(`not a valid WebAssembly module: ${err.message}`);
      throw err;
    }
    const problems = checkImports(imports, { allowTestImports: this.options.unsafeTestImports === true });
    if (problems.length > 0) {
      throw new CompileError(`forbidden imports: ${listProblems(problems)}`, problems);
    }
    const exportProblems = checkExports(info);
    if (exportProblems.length > 0) {
      throw new CompileError(`bad exports: ${listProblems(exportProblems)}`, exportProblems);
    }
    const instrumentOptions: PortableOptions = {
      maxMemoryPages: options.maxMemoryPages,
      maxTables: options.maxTables,
      maxTableElements: options.maxTableElements,
      tableElementBytes: TABLE_ELEMENT_BYTES,
      costModel: options.costModel ?? DEFAULT_COST_MODEL,
    };
    let instrumented: { bytes: Uint8Array; report: InstrumentReport };
    let cacheState: CompiledPlugin["cache"] = "off";
    try {
      const keyText = optionsKey(resolveOptions(instrumentOptions));
      const cache =
        options.cacheDir === undefined || options.cacheDir === false || keyText === undefined
          ? undefined
          : new InstrumentCache(options.cacheDir);
      const key = cache === undefined ? "" : await InstrumentCache.key(sha256, keyText!);
      const hit = cache === undefined ? undefined : await cache.get(key);
      if (hit !== undefined) {
        instrumented = hit;
        cacheState = "hit";
      } else {
        instrumented =
          this.options.instrumentInline === true
            ? instrument(bytes, instrumentOptions)
            : await instrumentThread().run(bytes, instrumentOptions);
        if (cache !== undefined) {
          cacheState = "miss";
          await cache.put(key, {
            bytes: instrumented.bytes as Uint8Array<ArrayBuffer>,
            report: instrumented.report,
          });
        }
      }
    } catch (err) {
      throw new CompileError((err as Error).message);
    }
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(instrumented.bytes as Uint8Array<ArrayBuffer>);
    } catch (err) {
      throw new CompileError(`WebAssembly compilation failed: ${(err as Error).message}`);
    }
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    const memoryCapPages = instrumented.report.memory?.maxPages ?? 0;
    return { sha256, module, report: instrumented.report, exports, memoryCapPages, cache: cacheState };
  }

  /** MessagePack of a payload, encoded once per payload object (payloads are read-only by contract). */
  encodePayload(payload: unknown): Uint8Array {
    if (payload === null || typeof payload !== "object") return encode(payload, "payload");
    let bytes = this.payloads.get(payload);
    if (bytes === undefined) {
      bytes = encode(payload, "payload");
      this.payloads.set(payload, bytes);
    }
    return bytes;
  }

  /** Drop compiled modules (they are rebuilt on the next load). */
  clear(): void {
    this.modules.clear();
  }
}

/** At most 10 problems in a message (a module can declare thousands of bad imports); the rest are counted. */
function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, 10).join("; ");
  return problems.length > 10 ? `${shown}; and ${problems.length - 10} more` : shown;
}

/**
 * Exports the host calls must be functions the module defines (not re-exported imports: calling a re-exported
 * WASI `proc_exit` would call the host directly) with the documented types; `memory` must be a memory; a WASI
 * command's `_start` is refused. V8 checks none of this.
 */
export function checkExports(info: ModuleInfo): string[] {
  const problems: string[] = [];
  const byName = new Map(info.exports.map((e) => [e.name, e]));
  const memory = byName.get("memory");
  if (memory === undefined) problems.push("the module does not export its memory as `memory`");
  else if (memory.kind !== 2)
    problems.push(`\`memory\` is exported as a ${KIND_NAMES[memory.kind] ?? "?"}, not a memory`);
  if (byName.has("_start")) {
    problems.push(
      "the module exports `_start` (a WASI command); plugins must be libraries (cdylib or reactor)",
    );
  }
  for (const want of REQUIRED_EXPORTS) {
    const e = byName.get(want.name);
    const expected = `(${want.params}) -> (${want.results})`;
    if (e === undefined) {
      if (want.required) problems.push(`missing export \`${want.name}\` ${expected}`);
      continue;
    }
    if (e.kind !== 0) {
      problems.push(`\`${want.name}\` must be a function ${expected}, it is a ${KIND_NAMES[e.kind] ?? "?"}`);
      continue;
    }
    if (e.index < info.importedFuncs) {
      const imp = info.imports.filter((i) => i.kind === 0)[e.index];
      const what =
        imp === undefined
          ? "an import"
          : `the import ${safeText(`${imp.module}.${imp.name}`, MAX_NAME_CHARS)}`;
      problems.push(`\`${want.name}\` re-exports ${what}; it must be a function the module defines`);
      continue;
    }
    const type = info.types[info.funcTypes[e.index - info.importedFuncs] ?? -1];
    const actual =
      type === undefined
        ? "unknown"
        : `(${type.params.map(valType).join(", ")}) -> (${type.results.map(valType).join(", ")})`;
    if (
      actual !==
      `(${want.params
        .split(",")
        .filter((p) => p !== "")
        .join(", ")}) -> (${want.results})`
    ) {
      problems.push(`\`${want.name}\` has type ${actual}; the ABI requires ${expected}`);
    }
  }
  return problems;
}
