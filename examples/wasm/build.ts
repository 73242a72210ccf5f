// Builds the demo's WebAssembly plugins from WAT (npm `wabt`, no toolchain needed) into a folder.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import wabtInit from "wabt";
import { withHookDeclaration } from "../../src/hosts/wasm/abi/hook-declaration.js";
import { encode } from "../../src/hosts/wasm/abi/msgpack.js";

const hex = (b: Uint8Array) => Array.from(b, (x) => `\\${x.toString(16).padStart(2, "0")}`).join("");

const IMPORTS = `
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (import "cpex" "payload_read" (func $payload_read (param i32 i32) (result i32)))
  (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (memory (export "memory") 4)
  (func (export "cpex_abi_version") (result i32) (i32.const 1))`;

/** Denies any payload whose bytes contain `needle` (a byte search over the MessagePack payload). */
export function denyWordsWat(needle: string): string {
  const deny = encode({
    continue_processing: false,
    violation: {
      code: "sql_injection",
      reason: `payload contains '${needle}'`,
      details: { detector: "wasm" },
    },
  });
  const n = new TextEncoder().encode(needle);
  return `(module ${IMPORTS}
  (data (i32.const 16) "${hex(n)}")
  (data (i32.const 256) "${hex(deny)}")
  (func (export "cpex_handle") (result i32)
    (local $len i32) (local $i i32) (local $j i32)
    (local.set $len (call $payload_len))
    (if (i32.gt_u (local.get $len) (i32.const 200000)) (then (return (i32.const 0))))
    (drop (call $payload_read (i32.const 4096) (local.get $len)))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const ${n.length})) (local.get $len)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $cmp
            (br_if $miss (i32.ne (i32.load8_u (i32.add (i32.const 4096) (i32.add (local.get $i) (local.get $j))))
                                 (i32.load8_u (i32.add (i32.const 16) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $cmp (i32.lt_u (local.get $j) (i32.const ${n.length}))))
          (drop (call $result_set (i32.const 256) (i32.const ${deny.length})))
          (return (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.const 0)))`;
}

/** A hostile plugin: loops forever. */
export const SPIN_WAT = `(module ${IMPORTS}
  (func (export "cpex_handle") (result i32) (loop $forever (br $forever)) (i32.const 0)))`;

export async function buildDemoPlugins(dir: string): Promise<void> {
  const wabt = await wabtInit();
  for (const [file, source, hooks] of [
    ["deny_words.wasm", denyWordsWat("DROP TABLE"), ["tool_pre_invoke"]],
    ["spin.wasm", SPIN_WAT, ["tool_pre_invoke", "tool_post_invoke"]],
  ] as const) {
    const mod = wabt.parseWat(file, source);
    try {
      // Declares the hooks it handles (docs/abi.md §1.1), as the Rust SDK's export_plugin! does.
      const bytes = new Uint8Array(mod.toBinary({}).buffer);
      await writeFile(join(dir, file), withHookDeclaration(bytes, hooks));
    } finally {
      mod.destroy();
    }
  }
}
