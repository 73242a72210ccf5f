import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstrumentCache } from "../../../src/hosts/wasm/compile-cache.js";
import { WasmEngine } from "../../../src/hosts/wasm/engine.js";
import { instrument } from "../../../src/hosts/wasm/meter/index.js";
import { InstrumentThread, instrumentThread } from "../../../src/hosts/wasm/offthread.js";
import { guest, wat2wasm } from "../../helpers/wat.js";

const dir = () => mkdtemp(join(tmpdir(), "cpex-cache-"));
const LIMITS = { maxMemoryPages: 256, maxTables: 4, maxTableElements: 1000 };
const plugin = (n: number) =>
  wat2wasm(guest(`(func (export "cpex_handle") (result i32) (i32.const ${n}))`), `p${n}.wasm`);

async function entryFiles(d: string): Promise<string[]> {
  return (await readdir(d)).filter((f) => f.endsWith(".cpexi")).map((f) => join(d, f));
}

describe("persistent instrumentation cache", () => {
  it("a miss instruments and stores; a fresh engine then loads the stored bytes (hit)", async () => {
    const d = await dir();
    const bytes = await plugin(1);
    const first = await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d });
    expect(first.cache).toBe("miss");
    expect(await entryFiles(d)).toHaveLength(1);
    const second = await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d });
    expect(second.cache).toBe("hit");
    expect(second.report).toEqual(first.report);
    expect(WebAssembly.Module.exports(second.module)).toEqual(WebAssembly.Module.exports(first.module));
  });

  it("without a directory (or with false) nothing is stored", async () => {
    const bytes = await plugin(2);
    expect((await new WasmEngine().compile(bytes, LIMITS)).cache).toBe("off");
    expect((await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: false })).cache).toBe("off");
  });

  it("different limits are different entries (an option change invalidates)", async () => {
    const d = await dir();
    const bytes = await plugin(3);
    await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d });
    const other = await new WasmEngine().compile(bytes, { ...LIMITS, maxMemoryPages: 128, cacheDir: d });
    expect(other.cache).toBe("miss");
    expect(other.memoryCapPages).not.toBe(256);
    expect(await entryFiles(d)).toHaveLength(2);
  });

  it.each([
    [
      "a flipped byte in the stored code",
      (b: Buffer) => b.fill(b[b.length - 3]! ^ 0xff, b.length - 3, b.length - 2),
    ],
    ["a truncated file", (b: Buffer) => b.subarray(0, b.length - 10)],
    ["a broken header", (b: Buffer) => b.fill(0x7b, 22, 40)],
    ["an empty file", (_b: Buffer) => Buffer.alloc(0)],
  ])("%s is a miss: instrumented again, never loaded", async (_what, damage) => {
    const d = await dir();
    const bytes = await plugin(4);
    await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d });
    const [file] = await entryFiles(d);
    await writeFile(file!, damage(await readFile(file!)));
    const again = await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d });
    expect(again.cache).toBe("miss");
    expect(again.report.functions).toBeGreaterThan(0);
    // Rewritten whole: the next load hits again.
    expect((await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d })).cache).toBe("hit");
  });

  it("an entry stored under another key (a renamed file) is a miss", async () => {
    const d = await dir();
    const cache = new InstrumentCache(d);
    const a = await wat2wasm(`(module (func (export "f")))`);
    const entry = instrument(a);
    expect(await cache.put("key-a", entry)).toBe(true);
    const [file] = await entryFiles(d);
    // Copy A's entry to where key B's entry would be.
    await cache.put("key-b", entry);
    const files = await entryFiles(d);
    const other = files.find((f) => f !== file)!;
    await writeFile(other, await readFile(file!));
    expect(await cache.get("key-a")).toBeDefined();
    expect(await cache.get("key-b")).toBeUndefined();
  });

  it("concurrent writers of one key leave one whole entry", async () => {
    const d = await dir();
    const bytes = await plugin(5);
    const engines = Array.from({ length: 6 }, () => new WasmEngine());
    const results = await Promise.all(engines.map((e) => e.compile(bytes, { ...LIMITS, cacheDir: d })));
    expect(new Set(results.map((r) => JSON.stringify(r.report.exports))).size).toBe(1);
    const names = await readdir(d);
    expect(names.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await entryFiles(d)).toHaveLength(1);
    expect((await new WasmEngine().compile(bytes, { ...LIMITS, cacheDir: d })).cache).toBe("hit");
  });

  it("list and clear", async () => {
    const d = await dir();
    await new WasmEngine().compile(await plugin(6), { ...LIMITS, cacheDir: d });
    await new WasmEngine().compile(await plugin(7), { ...LIMITS, cacheDir: d });
    const cache = new InstrumentCache(d);
    const list = await cache.list();
    expect(list).toHaveLength(2);
    expect(list.every((e) => /^[0-9a-f]{64}$/.test(e.input ?? ""))).toBe(true);
    expect(await cache.clear()).toBe(2);
    expect(await cache.list()).toEqual([]);
  });

  it("a directory that cannot be written only costs the cache, not the load", async () => {
    const d = await dir();
    const file = join(d, "not-a-dir");
    await writeFile(file, "x");
    const r = await new WasmEngine().compile(await plugin(8), { ...LIMITS, cacheDir: join(file, "sub") });
    expect(r.cache).toBe("miss");
    expect(r.exports).toContain("cpex_handle");
  });
});

describe("instrumentation off the event-loop thread", () => {
  it("the engine's pass runs on the instrumentation thread and gives the same bytes", async () => {
    const thread = instrumentThread();
    const before = thread.doneOffThread;
    const bytes = await plugin(9);
    await new WasmEngine().compile(bytes, LIMITS);
    expect(thread.doneOffThread).toBe(before + 1);
    const off = await thread.run(bytes, { maxMemoryPages: 16 });
    expect(Buffer.from(off.bytes).equals(Buffer.from(instrument(bytes, { maxMemoryPages: 16 }).bytes))).toBe(
      true,
    );
  });

  it("a module the pass refuses is refused off-thread with the pass's message", async () => {
    const bytes = await wat2wasm(`(module (memory 20))`);
    await expect(instrumentThread().run(bytes, { maxMemoryPages: 16 })).rejects.toThrow(
      /memory needs 20 pages .* the limit is 16 pages/,
    );
    await expect(instrumentThread().run(bytes, { maxMemoryPages: 1.5 })).rejects.toThrow(
      /must be an integer/,
    );
  });

  it("a thread that dies before answering: its jobs run on the calling thread", async () => {
    // A thread of its own, stopped while it is still booting: the job cannot have been answered.
    const thread = new InstrumentThread();
    const bytes = await plugin(10);
    const pending = thread.run(bytes, {});
    await thread.close();
    const r = await pending;
    expect(r.report.functions).toBeGreaterThan(0);
    expect(thread.doneInline).toBe(1);
    expect(thread.doneOffThread).toBe(0);
  });
});
