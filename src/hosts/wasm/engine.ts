// The Engine: what every WebAssembly plugin of a process shares — compiled modules (instrumented and compiled
// once per module hash and limits) and the MessagePack encoding of payloads (once per payload object, shared by
// every wasm plugin of a pipeline).

import { createHash } from "node:crypto";
import { encode } from "./abi/msgpack.js";
import { checkImports, type DeclaredImport, type ValType } from "./abi/signatures.js";
import { BinaryError } from "./binary/bytes.js";
import { KIND_NAMES, readModule, VALTYPE_NAMES } from "./binary/module.js";
import { type InstrumentReport, instrumentModule } from "./metering.js";

// readModule rejects unknown value types, so every encoding seen here has a name.
const valType = (t: number): ValType => (VALTYPE_NAMES as Readonly<Record<number, ValType>>)[t]!;

export interface CompiledPlugin {
  readonly sha256: string;
  readonly module: WebAssembly.Module;
  readonly report: InstrumentReport;
  readonly exports: readonly string[];
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = "CompileError";
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class WasmEngine {
  private readonly modules = new Map<string, Promise<CompiledPlugin>>();
  private readonly payloads = new WeakMap<object, Uint8Array>();

  /** Check imports, instrument and compile `bytes` (cached by content hash and memory cap). */
  compile(bytes: Uint8Array, options: { maxMemoryPages: number }): Promise<CompiledPlugin> {
    const sha256 = sha256Hex(bytes);
    const key = `${sha256}:${options.maxMemoryPages}`;
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
    options: { maxMemoryPages: number },
  ): Promise<CompiledPlugin> {
    let imports: DeclaredImport[];
    try {
      const info = readModule(bytes);
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
    const problems = checkImports(imports);
    if (problems.length > 0) {
      throw new CompileError(`forbidden imports: ${problems.join("; ")}`, problems);
    }
    let instrumented: { bytes: Uint8Array; report: InstrumentReport };
    try {
      instrumented = instrumentModule(bytes, options.maxMemoryPages);
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
    return { sha256, module, report: instrumented.report, exports };
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
