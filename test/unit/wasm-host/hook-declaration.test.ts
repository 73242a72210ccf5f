// The `cpex.hooks` custom section (docs/abi.md §1.1): decoding, the YAML check with its did-you-mean, survival
// through the instrumenter, and the committed example plugins declaring the hooks their vectors use.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkDeclaredHooks,
  closestName,
  decodeHookDeclaration,
  HookDeclarationError,
  levenshtein,
  readHookDeclaration,
} from "../../../src/hosts/wasm/abi/hook-declaration.js";
import { instrument } from "../../../src/hosts/wasm/meter/index.js";
import { guest, wat2wasm } from "../../helpers/wat.js";

const here = dirname(fileURLToPath(import.meta.url));
const plain = () => wat2wasm(guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`));

function leb128(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value >>>= 7;
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Section content as the SDK writes it: version, count, then length-prefixed names. */
function content(names: readonly string[], version = 1): number[] {
  return [version, ...leb128(names.length), ...names.flatMap((n) => [...leb128(n.length), ...ascii(n)])];
}

/** `bytes` with a custom section appended: id 0, LEB128 size, LEB128 name length, name, content. */
function withSection(
  bytes: Uint8Array,
  body: readonly number[],
  name = "cpex.hooks",
): Uint8Array<ArrayBuffer> {
  const payload = [...leb128(name.length), ...ascii(name), ...body];
  return new Uint8Array([...bytes, 0, ...leb128(payload.length), ...payload]);
}

const compile = (bytes: Uint8Array<ArrayBuffer>) => new WebAssembly.Module(bytes);
const malformed = (body: readonly number[]) => () => decodeHookDeclaration(new Uint8Array(body));

describe("readHookDeclaration", () => {
  it("returns undefined for a module without the section", async () => {
    expect(readHookDeclaration(compile(await plain()))).toBeUndefined();
  });

  it("returns the declared hooks in order; other custom sections are ignored", async () => {
    const bytes = withSection(
      withSection(await plain(), content(["tool_pre_invoke", "cmf.llm_input"])),
      [1, 2, 3],
      "producers.other",
    );
    expect(readHookDeclaration(compile(bytes))).toEqual(["tool_pre_invoke", "cmf.llm_input"]);
  });

  it("rejects a module with two cpex.hooks sections", async () => {
    const bytes = withSection(withSection(await plain(), content(["tool_pre_invoke"])), content(["x"]));
    expect(() => readHookDeclaration(compile(bytes))).toThrow(HookDeclarationError);
    expect(() => readHookDeclaration(compile(bytes))).toThrow(/has 2; at most one/);
  });

  it("rejects a malformed section in a compiled module", async () => {
    const bytes = withSection(await plain(), content(["tool_pre_invoke"], 2));
    expect(() => readHookDeclaration(compile(bytes))).toThrow(/cpex\.hooks section: format version 2/);
  });
});

describe("decodeHookDeclaration", () => {
  it("accepts the limits: 64 hooks, a 128-byte name (two-byte LEB128 length)", () => {
    const many = Array.from({ length: 64 }, (_, i) => `hook_${i}`);
    expect(decodeHookDeclaration(new Uint8Array(content(many)))).toEqual(many);
    const long = "a".repeat(128);
    const body = content([long]);
    expect(body.slice(0, 4)).toEqual([1, 1, 0x80, 0x01]);
    expect(decodeHookDeclaration(new Uint8Array(body))).toEqual([long]);
  });

  it("rejects an empty section, a bad version, and counts outside 1..64", () => {
    expect(malformed([])).toThrow(/empty/);
    expect(malformed(content(["a"], 0))).toThrow(/format version 0 is not supported/);
    expect(malformed([1, 0])).toThrow(/declares 0 hooks/);
    expect(malformed(content(Array.from({ length: 65 }, (_, i) => `h${i}`)))).toThrow(/declares 65 hooks/);
  });

  it("rejects names that are empty, too long or outside [a-z0-9_.]", () => {
    expect(malformed([1, 1, 0])).toThrow(/0-byte name/);
    expect(malformed(content(["a".repeat(129)]))).toThrow(/129-byte name/);
    expect(malformed(content(["Tool_pre_invoke"]))).toThrow(/outside \[a-z0-9_.\]/);
    expect(malformed(content(["tool-pre"]))).toThrow(/outside/);
    expect(malformed([1, 1, 2, 0xc3, 0xa9])).toThrow(/outside/); // "é" in UTF-8
  });

  it("rejects duplicates, truncation and trailing bytes", () => {
    expect(malformed(content(["tool_pre_invoke", "tool_pre_invoke"]))).toThrow(
      /'tool_pre_invoke' is declared twice/,
    );
    expect(malformed([1, 2, ...leb128(1), ...ascii("a")])).toThrow(/truncated/);
    expect(malformed([1, 1, 5, ...ascii("ab")])).toThrow(/truncated/);
    expect(malformed([...content(["a"]), 0])).toThrow(/1 bytes after the last hook name/);
  });
});

describe("checkDeclaredHooks", () => {
  const declared = ["tool_pre_invoke", "tool_post_invoke", "resource_pre_fetch"];

  it("passes when every configured hook is declared, including a subset", () => {
    expect(checkDeclaredHooks(["tool_post_invoke"], declared)).toEqual({ errors: [], warnings: [] });
    expect(checkDeclaredHooks([...declared], declared)).toEqual({ errors: [], warnings: [] });
  });

  it("warns, without errors, when the module declares nothing", () => {
    const r = checkDeclaredHooks(["tool_pre_invoke"], undefined);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      "the module does not declare its hooks (no cpex.hooks section); rebuild with a current SDK",
    ]);
  });

  it("names the undeclared hook, the declared list and the closest declared name", () => {
    const r = checkDeclaredHooks(["tool_pre_invoke", "tool_pre_invok"], declared);
    expect(r.warnings).toEqual([]);
    expect(r.errors).toEqual([
      "hook 'tool_pre_invok' is not handled by the module, which declares 'tool_pre_invoke', " +
        "'tool_post_invoke', 'resource_pre_fetch'; did you mean 'tool_pre_invoke'?",
    ]);
  });

  it("reports every undeclared hook and suggests nothing when no name is close", () => {
    const r = checkDeclaredHooks(["cmf.llm_input", "prompt_pre_fetch"], declared);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toBe(
      "hook 'cmf.llm_input' is not handled by the module, which declares 'tool_pre_invoke', " +
        "'tool_post_invoke', 'resource_pre_fetch'",
    );
    expect(r.errors[1]).toMatch(/^hook 'prompt_pre_fetch' is not handled/);
    expect(r.errors[1]).not.toMatch(/did you mean/);
  });
});

describe("did-you-mean", () => {
  it("levenshtein counts insertions, deletions and substitutions", () => {
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("tool_pre_invoke", "tool_pre_invoke")).toBe(0);
  });

  it("suggests within distance 2, or a third of the length for longer names", () => {
    expect(closestName("ab", ["xy"])).toBe("xy"); // distance 2 on a short name
    expect(closestName("abc", ["xyz"])).toBeUndefined();
    // 4 edits on a 15-character name: within a third (5).
    expect(closestName("tool_pre_invoke", ["cmf.tool_pre_invoke"])).toBe("cmf.tool_pre_invoke");
    expect(closestName("tool_post_invoke", ["tool_pre_invoke", "tool_post_invoke_x"])).toBe(
      "tool_post_invoke_x",
    );
  });
});

describe("the instrumenter", () => {
  it("keeps the cpex.hooks section in its output", async () => {
    const bytes = withSection(await plain(), content(["tool_pre_invoke", "tool_post_invoke"]));
    const out = instrument(bytes, { maxMemoryPages: 16 }).bytes;
    expect(readHookDeclaration(compile(out))).toEqual(["tool_pre_invoke", "tool_post_invoke"]);
  });
});

describe("the committed example plugins", () => {
  for (const name of ["circuit_breaker", "pii_redactor", "secrets_scanner", "tool_tagger", "url_guard"]) {
    it(`${name}.wasm declares exactly the hooks its vectors exercise`, () => {
      const dir = join(here, "../../../examples/plugins", name);
      const file = JSON.parse(readFileSync(join(dir, "vectors.json"), "utf8")) as {
        vectors?: Array<{ hook: string }>;
        scenarios?: Array<{ steps: Array<{ hook: string }> }>;
      };
      const used = new Set([
        ...(file.vectors ?? []).map((v) => v.hook),
        ...(file.scenarios ?? []).flatMap((s) => s.steps.map((st) => st.hook)),
      ]);
      const declared = readHookDeclaration(compile(new Uint8Array(readFileSync(join(dir, `${name}.wasm`)))));
      expect(new Set(declared)).toEqual(used);
    });
  }
});
