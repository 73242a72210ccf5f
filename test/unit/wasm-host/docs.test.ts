// docs/abi.md states the host-call costs and the default limits; the code is the source of truth and this test
// keeps the two in step (change one, the test names the other).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HOST_COSTS } from "../../../src/hosts/wasm/abi/costs.js";
import { DEFAULT_LIMITS } from "../../../src/hosts/wasm/limits.js";

const abi = readFileSync(new URL("../../../docs/abi.md", import.meta.url), "utf8");

function rows(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const key = cells[1]?.match(/^`([a-z_]+)`$/)?.[1];
    if (key !== undefined && cells[2] !== undefined) out.set(key, cells[2]);
  }
  return out;
}

const num = (text: string): number => {
  const t = text.replace(/[\s ,]/g, "");
  const frac = t.match(/^(\d+)\/(\d+)$/);
  if (frac !== null) return Number(frac[1]) / Number(frac[2]);
  const unit = t.match(/^(\d+)(KiB|MiB)$/);
  if (unit !== null) return Number(unit[1]) * (unit[2] === "KiB" ? 1024 : 1024 * 1024);
  return Number(t);
};

describe("docs/abi.md matches the code", () => {
  it("host-call cost table = HOST_COSTS", () => {
    const block = abi.slice(abi.indexOf("<!-- host-costs:begin"), abi.indexOf("<!-- host-costs:end"));
    const docs = rows(block);
    const code: Record<string, number> = {
      call: HOST_COSTS.call,
      copy: 1 / HOST_COSTS.copyBytesPerFuel,
      encode: HOST_COSTS.encodePerByte,
      decode: HOST_COSTS.decodePerByte,
      decode_item: HOST_COSTS.decodePerItem,
      log: HOST_COSTS.logPerByte,
      iovec: HOST_COSTS.iovec,
      random: HOST_COSTS.randomPerByte,
      path_resolve: HOST_COSTS.pathResolve,
      file_read: HOST_COSTS.fileReadPerByte,
      dir_entry: HOST_COSTS.dirEntry,
      scratch_write: HOST_COSTS.scratchWritePerByte,
      http_request: HOST_COSTS.httpRequest,
      http_byte: HOST_COSTS.httpPerByte,
    };
    expect(Object.fromEntries([...docs].map(([k, v]) => [k, num(v)]))).toEqual(code);
  });

  it("default limits table = DEFAULT_LIMITS", () => {
    const section = abi.slice(abi.indexOf("## 6. Limits and errors"));
    const docs = rows(section.slice(0, section.indexOf("```")));
    const code: Record<string, number | string> = {
      fuel: DEFAULT_LIMITS.fuel,
      fuel_model: DEFAULT_LIMITS.fuelModel,
      timeout_ms: DEFAULT_LIMITS.timeoutMs,
      memory_mb: DEFAULT_LIMITS.memoryMb,
      max_result_bytes: DEFAULT_LIMITS.maxResultBytes,
      max_log_bytes: DEFAULT_LIMITS.maxLogBytes,
      startup_timeout_ms: DEFAULT_LIMITS.startupTimeoutMs,
      startup_fuel: DEFAULT_LIMITS.startupFuel,
      max_tables: DEFAULT_LIMITS.maxTables,
      max_table_elements: DEFAULT_LIMITS.maxTableElements,
    };
    const value = (v: string) => (Number.isNaN(num(v)) ? v : num(v));
    expect(Object.fromEntries([...docs].map(([k, v]) => [k, value(v)]))).toEqual(code);
  });
});
