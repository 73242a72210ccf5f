// The WebAssembly host's error codes: registered from src/hosts/wasm/errors.ts, listed in docs/errors.md and, for
// a guest call's failures and host failures, in the two code tables of docs/abi.md §6. Every class extends the
// core's CpexError.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CpexError, errorCodes, renderErrorCodeTable } from "../../../src/core/index.js";
import { HookDeclarationError } from "../../../src/hosts/wasm/abi/hook-declaration.js";
import { MsgpackError } from "../../../src/hosts/wasm/abi/msgpack.js";
import { BinaryError } from "../../../src/hosts/wasm/binary/bytes.js";
import { CompileError } from "../../../src/hosts/wasm/engine.js";
import {
  GuestStop,
  HOST_FAILURE_CODES,
  HostFailure,
  WASM_ERROR_CODES,
} from "../../../src/hosts/wasm/errors.js";
import {
  InstrumentError,
  instrument,
  MeterStop,
  WasmEngine,
  WasmPluginFactory,
} from "../../../src/hosts/wasm/index.js";
import { documentedCodes, errorsDoc } from "../../helpers/error-docs.js";
import { wat2wasm } from "../../helpers/wat.js";

const abi = readFileSync(new URL("../../../docs/abi.md", import.meta.url), "utf8");
const section6 = abi.slice(abi.indexOf("## 6. Limits and errors"), abi.indexOf("## Changelog"));

/** The backticked codes in the first column of the table whose header starts with `| code`, the n-th one. */
function abiCodes(n: number): string[] {
  const tables = section6.split(/\n(?=\| code)/).slice(1);
  const table = tables[n]?.split("\n\n")[0] ?? "";
  return [...table.matchAll(/^\|\s*`([a-z_]+)`/gm)].map((m) => m[1]!);
}

describe("WebAssembly host error codes", () => {
  it("docs/errors.md lists exactly the host's registered codes, with the registered meanings", () => {
    expect(documentedCodes(errorsDoc, "wasm"), `expected table:\n${renderErrorCodeTable("wasm")}`).toEqual(
      errorCodes("wasm"),
    );
  });

  it("docs/abi.md §6 lists the guest-call codes and the host-failure codes of errors.ts", () => {
    expect(abiCodes(0)).toEqual(Object.keys(WASM_ERROR_CODES));
    expect(abiCodes(1)).toEqual(Object.keys(HOST_FAILURE_CODES));
  });

  it("every error class extends CpexError with a registered code", () => {
    const errors = [
      new GuestStop("wasm_trap", "trap"),
      new HostFailure("plugin_unavailable", "gone"),
      new BinaryError("bad", 3),
      new InstrumentError("no"),
      new CompileError("no"),
      new HookDeclarationError("no"),
      new MsgpackError("payload", "too deep"),
      new MeterStop("fuel_exhausted", 10),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(CpexError);
      expect(errorCodes("wasm").has(e.code), `${e.name}: ${e.code}`).toBe(true);
    }
  });

  it("InstrumentError keeps the binary reader's byte offset", async () => {
    // V8 accepts legacy exception handling; the host's reader refuses it, at the `try` opcode.
    const bytes = await wat2wasm("(module (func (try (do) (catch_all))))");
    let caught: unknown;
    try {
      instrument(bytes, { maxMemoryPages: 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InstrumentError);
    const err = caught as InstrumentError;
    expect(err.code).toBe("module_rejected");
    expect(err.message).toMatch(/exception handling .*\(at byte offset 23\)$/);
    expect(err.offset).toBe(23);
    expect(err.details).toEqual({ offset: 23 });
    expect(new InstrumentError("too many tables").offset).toBeUndefined();
  });

  it("the factory declares the plugin keys it reads", () => {
    expect(new WasmPluginFactory(new WasmEngine()).pluginKeys).toEqual([
      "limits",
      "grants",
      "sha256",
      "execution",
      "instances",
    ]);
  });
});
