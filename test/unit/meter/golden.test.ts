// Golden tests: each golden/<name>.wat is instrumented (memory cap 16 pages) under each cost model and printed
// back as WAT; the text must equal golden/<name>.<model>.expected.wat. After an intended change of the output, re-bless with
// `CPEX_BLESS=1 npx vitest run test/unit/meter/golden.test.ts` and review the diff.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { instrument } from "../../../src/hosts/wasm/meter/index.js";
import { COST_MODELS } from "../../../src/hosts/wasm/meter/options.js";
import { wat2wasm } from "../../helpers/wat.js";

const dir = new URL("./golden/", import.meta.url).pathname;
const inputs = readdirSync(dir).filter((f) => f.endsWith(".wat") && !f.endsWith(".expected.wat"));
const cases = inputs.flatMap((file) => COST_MODELS.map((model) => [file, model] as const));
const bless = process.env["CPEX_BLESS"] === "1";

async function toText(bytes: Uint8Array): Promise<string> {
  const wabt = await wabtInit();
  const mod = wabt.readWasm(bytes, { readDebugNames: true, bulk_memory: true, tail_call: true });
  try {
    mod.generateNames();
    mod.applyNames();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}

describe("golden instrumented WAT", () => {
  it("has inputs", () => expect(inputs.length).toBeGreaterThan(0));
  it.each(cases)("%s (%s model)", async (file, model) => {
    const { bytes } = instrument(await wat2wasm(readFileSync(join(dir, file), "utf8"), file), {
      maxMemoryPages: 16,
      costModel: model,
    });
    const text = await toText(bytes);
    const expectedPath = join(dir, file.replace(/\.wat$/, `.${model}.expected.wat`));
    if (bless) writeFileSync(expectedPath, text);
    expect(text).toBe(readFileSync(expectedPath, "utf8"));
  });
});
