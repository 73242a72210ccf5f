// Helpers for WebAssembly host tests: write guests to a temp folder, load a manager from YAML.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, PluginManager } from "../../src/core/index.js";
import { encode } from "../../src/hosts/wasm/abi/msgpack.js";
import { registerWasmHost, type WasmHostOptions } from "../../src/hosts/wasm/index.js";
import { guest, wat2wasm, watBytes } from "./wat.js";

export interface Captured extends Logger {
  lines: string[];
}

export function captureLogger(): Captured {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => {
    lines.push(`${level}: ${m}`);
  };
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "cpex-wasm-"));
}

export async function writeGuest(dir: string, file: string, wat: string): Promise<string> {
  const bytes = await wat2wasm(wat, file);
  const path = join(dir, file);
  await writeFile(path, bytes);
  return path;
}

export async function managerFromYaml(
  dir: string,
  yaml: string,
  options: WasmHostOptions = {},
  logger: Logger = captureLogger(),
): Promise<PluginManager> {
  const path = join(dir, "cpex.yaml");
  await writeFile(path, yaml);
  const manager = new PluginManager({ logger });
  registerWasmHost(manager, options);
  await manager.loadConfigFile(path);
  await manager.initialize();
  return manager;
}

const str = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  return new Uint8Array([0xa0 | b.length, ...b]);
};

/** A guest whose cpex_handle calls result_set with the MessagePack encoding of `result`. */
export function constResultGuest(result: unknown, extra = ""): string {
  const bytes = encode(result);
  return guest(`
  (data (i32.const 1024) "${watBytes(bytes)}")
  (func (export "cpex_handle") (result i32)
    (drop (call $result_set (i32.const 1024) (i32.const ${bytes.length})))
    (i32.const 0))
  ${extra}`);
}

/** A guest that returns `{ modified_payload: <item> }` where item is the raw MessagePack the host gave it. */
export function echoGuest(item: "payload" | "extensions" | "context" | "config"): string {
  const prefix = new Uint8Array([0x81, ...str("modified_payload")]);
  return guest(`
  (data (i32.const 4096) "${watBytes(prefix)}")
  (func (export "cpex_handle") (result i32)
    (local $n i32)
    (local.set $n (call $${item}_len))
    (drop (call $${item}_read (i32.const ${4096 + prefix.length}) (local.get $n)))
    (drop (call $result_set (i32.const 4096) (i32.add (i32.const ${prefix.length}) (local.get $n))))
    (i32.const 0))`);
}

/** A guest returning `{ modified_payload: "<hook name>" }`. */
export function hookNameGuest(): string {
  const prefix = new Uint8Array([0x81, ...str("modified_payload")]);
  return guest(`
  (data (i32.const 4096) "${watBytes(prefix)}")
  (func (export "cpex_handle") (result i32)
    (local $n i32)
    (local.set $n (call $hook_name_len))
    (i32.store8 (i32.const ${4096 + prefix.length}) (i32.const 0xd9))
    (i32.store8 (i32.const ${4096 + prefix.length + 1}) (local.get $n))
    (drop (call $hook_name_read (i32.const ${4096 + prefix.length + 2}) (local.get $n)))
    (drop (call $result_set (i32.const 4096) (i32.add (i32.const ${prefix.length + 2}) (local.get $n))))
    (i32.const 0))`);
}

export { guest, watBytes };
