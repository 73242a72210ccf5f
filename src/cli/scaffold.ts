// `cpex new <name>`: a standalone Rust plugin crate made from the template this package ships
// (examples/plugins/_template), renamed throughout (crate, struct, error codes, test import, vectors), with a
// vendored copy of the Rust SDK (`cpex-sdk/`, so the crate builds wherever it is and stays on the SDK version
// that scaffolded it), the size-optimised release profile and an offline `.cargo/config.toml`
// (docs/writing-a-rust-plugin.md).

import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CliError } from "./output.js";
import { packageRoot } from "./version.js";

/** Crate names that are also valid .wasm file names, Rust identifiers and YAML-friendly plugin names. */
const NAME = /^[a-z][a-z0-9_]{0,63}$/;

export function pascalCase(name: string): string {
  return name
    .split("_")
    .filter((p) => p !== "")
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
}

export function cargoToml(name: string): string {
  return `[package]
# The crate name is the .wasm file name (${name} -> ${name}.wasm).
name = "${name}"
version = "0.1.0"
edition = "2018"
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
# A copy of the SDK shipped in the cpex npm package (node_modules/cpex/sdk/rust/cpex-sdk), vendored by \`cpex new\`.
cpex-sdk = { path = "cpex-sdk" }
serde_json = "1"

# A crate of its own, even when created inside another cargo workspace.
[workspace]

[profile.release]
# Optimised for speed, with LTO and stripped: without this profile the plugin comes out about twenty times larger;
# opt-level 3 ran the example plugins 5–30 % faster in the host than "s" for 5–10 % more bytes.
opt-level = 3
lto = true
codegen-units = 1
# A panic cannot unwind on wasm32: the SDK's panic hook reports the message before the abort traps.
panic = "abort"
strip = true
debug = false
incremental = false
`;
}

/** Offline builds: crates come from the Debian-packaged registry (librust-*-dev packages). */
export const CARGO_CONFIG = `# Offline builds: crates come from the Debian-packaged registry (apt-get install librust-serde-dev ...).
# Remove this file to build against the crates.io registry instead.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"
`;

function renamed(text: string, name: string): string {
  return text.replaceAll("MyPlugin", pascalCase(name)).replaceAll("my_plugin", name);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface Scaffolded {
  readonly dir: string;
  readonly files: readonly string[];
}

export async function scaffold(name: string, parent: string): Promise<Scaffolded> {
  if (!NAME.test(name)) {
    throw new CliError(
      `invalid plugin name '${name}': use lower-case letters, digits and '_', starting with a letter (it names the .wasm file)`,
    );
  }
  const dir = resolve(parent, name);
  if (await exists(dir)) throw new CliError(`'${dir}' already exists; choose another name or --dir`);
  const pkg = packageRoot();
  const template = join(pkg, "examples/plugins/_template");
  const sdk = join(pkg, "sdk/rust/cpex-sdk");
  if (!(await exists(template)) || !(await exists(sdk)))
    throw new CliError(`this cpex package has no plugin template or Rust SDK (looked in ${pkg})`);
  const files: string[] = [];
  const write = async (rel: string, text: string) => {
    await mkdir(join(dir, rel, ".."), { recursive: true });
    await writeFile(join(dir, rel), text);
    files.push(rel);
  };
  await mkdir(dir, { recursive: true });
  await write("Cargo.toml", cargoToml(name));
  await write(".cargo/config.toml", CARGO_CONFIG);
  await write(".gitignore", "/target/\n*.wasm\n");
  for (const rel of ["src/lib.rs", "tests/vectors.rs", "vectors.json"])
    await write(rel, renamed(await readFile(join(template, rel), "utf8"), name));
  await write("README.md", readme(name));
  await mkdir(join(dir, "cpex-sdk"));
  await cp(join(sdk, "Cargo.toml"), join(dir, "cpex-sdk/Cargo.toml"));
  await cp(join(sdk, "src"), join(dir, "cpex-sdk/src"), { recursive: true });
  for (const f of await readdir(join(dir, "cpex-sdk/src"))) files.push(`cpex-sdk/src/${f}`);
  return { dir, files };
}

function readme(name: string): string {
  return `# ${name}

A CPEX plugin in Rust, made by \`cpex new\`. The guide is docs/writing-a-rust-plugin.md in the cpex package.

    cargo test                      # runs vectors.json against the native build
    npx cpex build                  # builds ${name}.wasm for the sandbox, prints size and sha256, checks it
    npx cpex inspect ${name}.wasm

\`cpex-sdk/\` is a copy of the SDK from the cpex package that made this crate; \`.cargo/config.toml\` builds
offline against Debian's packaged crates (delete it to use the crates.io registry).
`;
}
