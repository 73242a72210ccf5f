// Decode speed of the strict guest-output decoder against msgpackr's Unpackr (the decoder it replaced), on a
// typical 1 KiB `result_set` map and a 64 KiB one. Standalone: `npx tsx bench/msgpack-decode.ts`. msgpackr's
// native string extension is disabled unless `--native` is given, so the default compares JS with JS.
import { decode } from "../src/hosts/wasm/abi/decode.js";
import { encode } from "../src/hosts/wasm/abi/msgpack.js";
import { fmtNs, median, table, timeSync } from "./stats.js";

const native = process.argv.includes("--native");
if (!native) process.env["MSGPACKR_NATIVE_ACCELERATION_DISABLED"] = "true";
const { Unpackr, isNativeAccelerationEnabled } = await import("msgpackr");

function record(i: number): Record<string, unknown> {
  return {
    id: 100_000 + i,
    title: `Quarterly report ${i}`,
    url: `https://docs.example.com/reports/${i}`,
    score: 0.5 + i / 1000,
    tags: ["finance", "q3", i % 2 === 0 ? "public" : "internal"],
    redacted: i % 7 === 0,
  };
}

/** A result map like a guard plugin returns: a rewritten payload, metadata, state; about `bytes` long. */
function resultOf(bytes: number): Record<string, unknown> {
  const results: Record<string, unknown>[] = [];
  const value = {
    continue_processing: true,
    modified_payload: {
      name: "search_documents",
      args: { query: "revenue by region", limit: 20, filters: { year: 2024, lang: "en" }, results },
    },
    metadata: {
      plugin: "pii_redactor",
      redactions: 3,
      elapsed_us: 1234,
      fields: ["args.query", "args.results"],
    },
    context: { local_state: { seen: 12, last_hook: "tool_pre_invoke" } },
  };
  for (let i = 0; encode(value).length < bytes; i++) results.push(record(i));
  return value;
}

const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: "auto" as "bigint",
  copyBuffers: true,
});

const rows: string[][] = [];
for (const [label, target, batch] of [
  ["1 KiB", 1024, 20_000],
  ["64 KiB", 64 * 1024, 300],
] as const) {
  const bytes = encode(resultOf(target));
  // Alternate the two so that load from other processes falls on both alike.
  const oursRuns: number[] = [];
  const theirsRuns: number[] = [];
  for (let round = 0; round < 7; round++) {
    oursRuns.push(timeSync(() => decode(bytes), { batch, batches: 1 }).nsPerOp);
    theirsRuns.push(timeSync(() => unpackr.unpack(bytes), { batch, batches: 1 }).nsPerOp);
  }
  const ours = { nsPerOp: median(oursRuns) };
  const theirs = { nsPerOp: median(theirsRuns) };
  const mbps = (t: number) => `${((bytes.length / t) * 1e3).toFixed(0)} MB/s`;
  rows.push([
    `${label} (${bytes.length} B)`,
    `${fmtNs(ours.nsPerOp)} (${mbps(ours.nsPerOp)})`,
    `${fmtNs(theirs.nsPerOp)} (${mbps(theirs.nsPerOp)})`,
    (theirs.nsPerOp / ours.nsPerOp).toFixed(2),
  ]);
}
console.log(`msgpackr native string extension: ${isNativeAccelerationEnabled ? "on" : "off"}`);
console.log(table(["input", "strict decode", "msgpackr Unpackr", "speed-up"], rows));
