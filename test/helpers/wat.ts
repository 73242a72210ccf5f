// Compile WAT in tests with the npm `wabt` package (no toolchain needed).
import wabtInit from "wabt";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

export async function wat2wasm(source: string, name = "guest.wat"): Promise<Uint8Array<ArrayBuffer>> {
  wabt ??= wabtInit();
  const w = await wabt;
  const mod = w.parseWat(name, source, {
    multi_value: true,
    bulk_memory: true,
    reference_types: true,
    simd: true,
    tail_call: true,
    exceptions: true,
    threads: true,
  });
  try {
    mod.resolveNames();
    mod.validate();
    return new Uint8Array(mod.toBinary({ write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}

/** Bytes as a WAT data string ("\\00\\ff…"). */
export function watBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/** The standard guest prelude: every `cpex` import, a memory, and `cpex_abi_version` returning `version`. */
export function guest(body: string, options: { version?: number; extraImports?: string } = {}): string {
  return `(module
  (import "cpex" "hook_name_len" (func $hook_name_len (result i32)))
  (import "cpex" "hook_name_read" (func $hook_name_read (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (import "cpex" "payload_read" (func $payload_read (param i32 i32) (result i32)))
  (import "cpex" "extensions_len" (func $extensions_len (result i32)))
  (import "cpex" "extensions_read" (func $extensions_read (param i32 i32) (result i32)))
  (import "cpex" "context_len" (func $context_len (result i32)))
  (import "cpex" "context_read" (func $context_read (param i32 i32) (result i32)))
  (import "cpex" "config_len" (func $config_len (result i32)))
  (import "cpex" "config_read" (func $config_read (param i32 i32) (result i32)))
  (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "error_set" (func $error_set (param i32 i32) (result i32)))
  (import "cpex" "log" (func $log (param i32 i32 i32) (result i32)))
  ${options.extraImports ?? ""}
  (memory (export "memory") 2)
  (func (export "cpex_abi_version") (result i32) (i32.const ${options.version ?? 1}))
  ${body}
)`;
}
