// The native_rust cases: writes the payloads the Node side generates (MessagePack bytes, the very bytes the wasm
// host would copy in) to a temporary folder, builds bench/native-rust with the Debian Rust toolchain in a child
// process, runs it and merges its JSON into the results. The build time is reported apart from the run time.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Packr } from "msgpackr";
import { type BenchSettings, type CaseResult, record } from "./harness.js";
import { setupOf } from "./plugin-hosts.js";
import { type PluginName, WORKLOADS } from "./plugin-payloads.js";

const crate = join(dirname(fileURLToPath(import.meta.url)), "native-rust");
// A rustup toolchain without wasm targets may come first on PATH; the plugins are built with Debian's.
const RUSTC = process.env["RUSTC"] ?? "/usr/bin/rustc";
const CARGO = process.env["CARGO"] ?? "/usr/bin/cargo";

export interface NativeRustRun {
  /** Why the cases are missing, when they are. */
  missing?: string;
  buildSeconds?: number;
  runSeconds?: number;
}

export interface NativeCase {
  plugin: PluginName;
  size: number;
  label: string;
}

export async function runNativeRust(
  settings: BenchSettings,
  cases: readonly NativeCase[],
): Promise<NativeRustRun> {
  if (!existsSync(CARGO) || !existsSync(RUSTC))
    return { missing: `Rust toolchain not found (${CARGO}, ${RUSTC})` };
  const t0 = performance.now();
  const build = spawnSync(CARGO, ["build", "--release", "--quiet"], {
    cwd: crate,
    env: { ...process.env, RUSTC },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const buildSeconds = (performance.now() - t0) / 1000;
  if (build.status !== 0)
    return {
      missing: `cargo build of bench/native-rust failed (${build.status ?? build.signal})`,
      buildSeconds,
    };

  const dir = mkdtempSync(join(tmpdir(), "cpex-native-bench-"));
  const packr = new Packr({ useRecords: false });
  const manifest = cases.map((c, i) => {
    const w = WORKLOADS[c.plugin];
    const payloads: string[] = [];
    let extensions: string | undefined;
    for (let seed = 1; seed <= 8; seed++) {
      const input = w.make(seed, c.size);
      const file = join(dir, `${i}-${seed}.msgpack`);
      writeFileSync(file, packr.pack(input.payload));
      payloads.push(file);
      if (input.extensions !== undefined && extensions === undefined) {
        extensions = join(dir, `${i}-ext.msgpack`);
        writeFileSync(extensions, packr.pack(input.extensions));
      }
    }
    return {
      name: `plugin/${c.plugin}/native_rust/${c.label}`,
      plugin: c.plugin,
      hook: w.hook,
      config: setupOf(c.plugin).config,
      payloads,
      ...(extensions === undefined ? {} : { extensions }),
      min_samples: settings.quick ? 20 : 50,
      time_ms: settings.quick ? 150 : 1000,
    };
  });
  const manifestPath = join(dir, "manifest.json");
  writeFileSync(manifestPath, JSON.stringify({ cases: manifest }));
  const t1 = performance.now();
  const run = spawnSync(join(crate, "target", "release", "cpex-native-bench"), [manifestPath], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  const runSeconds = (performance.now() - t1) / 1000;
  if (run.status !== 0)
    return { missing: `the native bench failed (${run.status ?? run.signal})`, buildSeconds };
  const out = JSON.parse(run.stdout) as { cases: CaseResult[] };
  for (const r of out.cases) record(r);
  return { buildSeconds, runSeconds };
}
