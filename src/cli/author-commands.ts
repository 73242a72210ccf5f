// `cpex new` (scaffold a plugin crate) and `cpex build` (compile one crate to a .wasm, print its size and
// sha256, and check that this host loads it).

import { spawn } from "node:child_process";
import { copyFile, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { inspectFile } from "./inspect-command.js";
import { CliError, formatBytes, paint } from "./output.js";
import { scaffold } from "./scaffold.js";
import { findToolchain, TOOLCHAIN_HINT, type Toolchain } from "./toolchain.js";

/** `name = "…"` of the `[package]` table (the first `name` key after it). */
export function crateName(cargoToml: string): string | undefined {
  const pkg = cargoToml.indexOf("[package]");
  if (pkg < 0) return undefined;
  return /^\s*name\s*=\s*"([^"]+)"/m.exec(cargoToml.slice(pkg))?.[1];
}

/** Run cargo with its output on our stderr (stdout stays for the command's answer); resolves to its exit code. */
function cargo(tool: Toolchain, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(tool.cargo, [...args], {
      cwd,
      env: { ...process.env, RUSTC: tool.rustc },
      stdio: ["ignore", process.stderr, process.stderr],
    });
    child.on("error", fail);
    child.on("close", (code) => done(code ?? 2));
  });
}

export interface BuildFlags {
  targetDir?: string;
  json?: boolean;
}

async function build(crateDir: string, flags: BuildFlags): Promise<void> {
  const dir = resolve(crateDir);
  let manifest: string;
  try {
    manifest = await readFile(join(dir, "Cargo.toml"), "utf8");
  } catch {
    throw new CliError(`no Cargo.toml in '${dir}': run cpex build in a plugin crate (cpex new makes one)`);
  }
  const name = crateName(manifest);
  if (name === undefined) throw new CliError(`${join(dir, "Cargo.toml")}: no [package] name`);
  const tool = await findToolchain();
  if (tool === undefined) throw new CliError(TOOLCHAIN_HINT);
  const targetDir = resolve(flags.targetDir ?? join(dir, "target"));
  if (flags.json !== true)
    console.error(paint(`building ${name} with ${tool.version} for ${tool.target}`, "dim"));
  const code = await cargo(
    tool,
    ["build", "--release", "--target", tool.target, "--target-dir", targetDir],
    dir,
  );
  if (code !== 0) throw new CliError(`cargo build failed (exit ${code})`);
  const file = `${name.replaceAll("-", "_")}.wasm`;
  const out = join(dir, file);
  await copyFile(join(targetDir, tool.target, "release", file), out);
  const report = await inspectFile(out);
  if (flags.json === true) {
    const doc = {
      file: out,
      bytes: report.bytes,
      sha256: report.sha256,
      loadable: report.loadable,
      problems: report.problems,
      hooks: report.hooks ?? [],
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    console.log(
      `${relative(process.cwd(), out) || out}: ${formatBytes(report.bytes)} (${report.bytes} bytes)`,
    );
    console.log(`  sha256  ${report.sha256}`);
    console.log(`  hooks   ${(report.hooks ?? []).join(", ")}`);
    console.log(
      `  check   ${report.loadable ? paint("loadable cpex plugin", "green") : paint(`not loadable: ${report.problems.join("; ")}`, "red")}`,
    );
  }
  if (!report.loadable) process.exitCode = 1;
}

export function registerAuthorCommands(program: Command): void {
  program
    .command("new")
    .description("scaffold a standalone Rust plugin crate (SDK vendored, offline cargo config, one test)")
    .argument("<name>", "plugin name: lower-case letters, digits, '_' (also the .wasm file name)")
    .option("--dir <dir>", "folder to create the crate in", ".")
    .addHelpText("after", "\nExample:\n  $ cpex new my_guard && cd my_guard && cargo test && npx cpex build")
    .action(async (name: string, flags: { dir: string }) => {
      const made = await scaffold(name, flags.dir);
      console.log(`created ${relative(process.cwd(), made.dir) || made.dir}/ (${made.files.length} files)`);
      console.log("next:");
      console.log(`  cd ${relative(process.cwd(), made.dir) || made.dir}`);
      console.log("  cargo test          # the vectors in vectors.json, natively");
      console.log("  npx cpex build      # the .wasm, its size and sha256, and a load check");
    });

  program
    .command("build")
    .description("build one plugin crate for wasm32, print size and sha256, and check that cpex loads it")
    .argument("[crate]", "the crate's folder", ".")
    .option("--target-dir <dir>", "cargo's target folder (share one between crates to build faster)")
    .option("--json", "print exactly one JSON document on stdout")
    .addHelpText("after", "\nExample:\n  $ cpex build my_guard")
    .action(async (crate: string, flags: BuildFlags) => build(crate, flags));
}
