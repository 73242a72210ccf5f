// Finding a Rust toolchain that can build wasm32 plugins: Debian's rustc (target `wasm32-wasi`) or a newer one
// (`wasm32-wasip1`), with that target's standard library installed. A rustup toolchain without the wasm
// target often comes first on PATH, so each candidate is asked, not assumed.

import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Toolchain {
  readonly cargo: string;
  readonly rustc: string;
  readonly target: "wasm32-wasi" | "wasm32-wasip1";
  readonly version: string;
}

function candidates(): Array<{ cargo: string; rustc: string }> {
  const out: Array<{ cargo: string; rustc: string }> = [];
  const env = process.env;
  if (env["CARGO"] !== undefined || env["RUSTC"] !== undefined)
    out.push({ cargo: env["CARGO"] ?? "cargo", rustc: env["RUSTC"] ?? "rustc" });
  out.push({ cargo: "/usr/bin/cargo", rustc: "/usr/bin/rustc" }, { cargo: "cargo", rustc: "rustc" });
  return out;
}

async function probe(c: { cargo: string; rustc: string }): Promise<Toolchain | undefined> {
  try {
    const [targets, sysroot, version] = await Promise.all([
      run(c.rustc, ["--print", "target-list"]),
      run(c.rustc, ["--print", "sysroot"]),
      run(c.rustc, ["--version"]),
    ]);
    const list = targets.stdout.split("\n");
    for (const target of ["wasm32-wasip1", "wasm32-wasi"] as const) {
      if (!list.includes(target)) continue;
      // Listed targets are those rustc knows; the standard library must also be installed for it.
      const std = join(sysroot.stdout.trim(), "lib/rustlib", target);
      if (
        await stat(std).then(
          () => true,
          () => false,
        )
      ) {
        await run(c.cargo, ["--version"]);
        return { ...c, target, version: version.stdout.trim() };
      }
    }
  } catch {
    // not installed or not runnable: try the next one
  }
  return undefined;
}

export async function findToolchain(): Promise<Toolchain | undefined> {
  for (const c of candidates()) {
    const t = await probe(c);
    if (t !== undefined) return t;
  }
  return undefined;
}

export const TOOLCHAIN_HINT =
  "no Rust toolchain with a wasm32 target found: on Debian, apt-get install rustc cargo libstd-rust-dev-wasm32 lld-14; " +
  "with rustup, rustup target add wasm32-wasip1";
