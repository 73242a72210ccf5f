#!/usr/bin/env node
// Build AssemblyScript cpex plugins: compile with asc (from npm), then append the `cpex.hooks` custom section
// (docs/abi.md §1.1), which asc cannot emit from source. Plain JavaScript so that it runs with nothing but Node
// and the `assemblyscript` package, in this repository and from an installed copy of cpex alike.
//
//   node sdk/assemblyscript/build.mjs                   every examples/plugins/*/assemblyscript/ of this repo,
//                                                       written next to the Rust one as <name>.as.wasm
//   node sdk/assemblyscript/build.mjs --out DIR         the same plugins, written to DIR instead
//   node .../build.mjs PLUGIN_DIR [...] [--out DIR]     the plugins in those folders (default output: the folder)
//
// A plugin folder holds `cpex-plugin.json`: { "name": "my_plugin", "entry": "index.ts", "hooks": [...] }.
// The output is byte-for-byte reproducible: no paths outside the plugin folder or the SDK reach the binary.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const sdkDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(sdkDir, "../..");

/**
 * asc flags shared by every plugin, each for a reason:
 * - size first (`-Oz`, converged), as befits a module shipped and cached per plugin;
 * - the incremental runtime: plugin state survives between calls (circuit_breaker) and garbage must be collected,
 *   or memory would grow with every call until the host's `memory_mb` cap ends it (the stub runtime never frees);
 * - a larger shadow stack than the default 32 KiB, so values nested to the host's 512 levels decode;
 * - the start function exported as `_initialize` (a WASI reactor initializer the host calls under the start-up
 *   limits) rather than run implicitly during instantiation;
 * - `abort` routed to the SDK, because `env.abort` is not an import the host provides.
 */
function ascFlags(abortPath) {
  return [
    "--optimizeLevel",
    "2",
    "--shrinkLevel",
    "2",
    "--converge",
    "--runtime",
    "incremental",
    "--stackSize",
    "131072",
    "--exportStart",
    "_initialize",
    "--use",
    `abort=${abortPath}`,
    "--noColors",
  ];
}

/** Unsigned LEB128, as the WebAssembly binary format writes sizes and counts. */
function leb128(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function wasmName(text) {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from(leb128(bytes.length)), bytes]);
}

/** Checks of docs/abi.md §1.1, so a bad list fails the build instead of the load. */
function checkHooks(name, hooks) {
  if (!Array.isArray(hooks) || hooks.length < 1 || hooks.length > 64)
    throw new Error(`${name}: "hooks" must list 1 to 64 hook names`);
  const seen = new Set();
  for (const h of hooks) {
    if (typeof h !== "string" || !/^[a-z0-9_.]{1,128}$/.test(h))
      throw new Error(`${name}: hook ${JSON.stringify(h)} is not 1-128 characters of [a-z0-9_.]`);
    if (seen.has(h)) throw new Error(`${name}: hook '${h}' is listed twice`);
    seen.add(h);
  }
}

/** `module` with a `cpex.hooks` custom section appended: id 0, size, name, then version 1, count, names. */
export function appendHookSection(module, hooks) {
  const content = Buffer.concat([Buffer.from([1, ...leb128(hooks.length)]), ...hooks.map(wasmName)]);
  const body = Buffer.concat([wasmName("cpex.hooks"), content]);
  return Buffer.concat([Buffer.from(module), Buffer.from([0, ...leb128(body.length)]), body]);
}

function readManifest(dir) {
  const file = join(dir, "cpex-plugin.json");
  if (!existsSync(file)) throw new Error(`${dir}: no cpex-plugin.json`);
  const m = JSON.parse(readFileSync(file, "utf8"));
  if (typeof m.name !== "string" || !/^[A-Za-z0-9_-]+$/.test(m.name))
    throw new Error(`${file}: "name" must be letters, digits, _ or -`);
  checkHooks(file, m.hooks);
  return { name: m.name, entry: typeof m.entry === "string" ? m.entry : "index.ts", hooks: m.hooks };
}

/** The `--use abort=` target: the SDK's abort.ts as asc names it from `baseDir` (a package path under node_modules). */
function abortTarget(baseDir) {
  const file = join(sdkDir, "assembly", "abort");
  const rel = relative(baseDir, file).split(sep).join("/");
  const inModules = rel.lastIndexOf("node_modules/");
  const internal = inModules >= 0 ? `~lib/${rel.slice(inModules + "node_modules/".length)}` : rel;
  return `${internal}/cpexAbort`;
}

/** Compile one plugin folder; returns the finished module's bytes. */
export async function buildPlugin(dir) {
  const { default: asc } = await import("assemblyscript/asc");
  const manifest = readManifest(dir);
  // Inside this repository, sources are named from the repository root (stable across checkouts); elsewhere
  // from the plugin folder itself.
  const baseDir = dir.startsWith(repoRoot + sep) ? repoRoot : dir;
  const entry = relative(baseDir, join(dir, manifest.entry)).split(sep).join("/");
  const outputs = new Map();
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    [entry, "--outFile", `${manifest.name}.wasm`, "--baseDir", baseDir, ...ascFlags(abortTarget(baseDir))],
    { stderr, stdout: asc.createMemoryStream(), writeFile: (name, contents) => outputs.set(name, contents) },
  );
  if (error) throw new Error(`${manifest.name}: asc failed: ${error.message}\n${stderr.toString()}`);
  const wasm = outputs.get(`${manifest.name}.wasm`);
  if (!(wasm instanceof Uint8Array)) throw new Error(`${manifest.name}: asc wrote no module`);
  return { name: manifest.name, bytes: appendHookSection(wasm, manifest.hooks) };
}

function examplePluginDirs() {
  const root = join(repoRoot, "examples", "plugins");
  return readdirSync(root)
    .sort()
    .map((n) => join(root, n, "assemblyscript"))
    .filter((d) => existsSync(join(d, "cpex-plugin.json")));
}

async function main(argv) {
  let out;
  const dirs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i];
    else dirs.push(resolve(argv[i]));
  }
  const examples = dirs.length === 0;
  for (const dir of examples ? examplePluginDirs() : dirs) {
    const { name, bytes } = await buildPlugin(dir);
    // Repository examples land next to the Rust plugin (examples/plugins/<name>/<name>.as.wasm).
    const target = out !== undefined ? resolve(out) : examples ? dirname(dir) : dir;
    mkdirSync(target, { recursive: true });
    const file = join(target, `${name}.as.wasm`);
    writeFileSync(file, bytes);
    process.stdout.write(`${relative(process.cwd(), file) || file}: ${bytes.length} bytes\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
