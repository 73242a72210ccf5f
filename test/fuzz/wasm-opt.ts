// binaryen's `wasm-opt` from its npm package (a devDependency, so `npm install` is all the fuzzer needs), loaded once
// per process and called like the command line. The package's `bin/wasm-opt` is an Emscripten build: starting it
// as a command costs about a second (it compiles 10 MB of WebAssembly each time), so 300 modules would take
// minutes. Evaluated here with `noInitialRun`, its `main` is called once per module instead (tens of ms); a fresh
// process and this reuse give byte-identical modules for the same input (checked when this was written).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type CallMain = (args: string[]) => number;

let loaded: Promise<CallMain> | undefined;
let calls = 0;
const RECYCLE_EVERY = 500;

/** The path of the npm package's `wasm-opt` script. */
export function wasmOptPath(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("binaryen");
  } catch {
    throw new Error("wasm-opt not found: the npm package `binaryen` is missing (run `npm install`)");
  }
  return join(dirname(entry), "bin", "wasm-opt");
}

function load(): Promise<CallMain> {
  const path = wasmOptPath();
  let source = readFileSync(path, "utf8");
  if (source.startsWith("#!")) source = source.slice(source.indexOf("\n"));
  const require = createRequire(path);
  return new Promise<CallMain>((resolve, reject) => {
    const exported: { callMain?: CallMain } = {};
    const settings = {
      noInitialRun: true,
      onRuntimeInitialized: () => {
        const callMain = exported.callMain;
        if (typeof callMain === "function") resolve(callMain);
        else reject(new Error(`${path}: no callMain (binaryen's build changed; pin a version that has it)`));
      },
      onAbort: (what: unknown) => reject(new Error(`${path}: aborted: ${String(what)}`)),
    };
    // The script is CommonJS that reads a `Module` settings object and declares `callMain` at its top level: run
    // it as a function body so both are reachable. `module` is undefined so it does not try to export itself.
    const body = `${source}\n;exported.callMain = typeof callMain === "function" ? callMain : undefined;`;
    const run = new Function("Module", "require", "__filename", "__dirname", "module", "exported", body) as (
      ...a: unknown[]
    ) => void;
    try {
      run(settings, require, path, dirname(path), undefined, exported);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** Loads the package's wasm-opt (once); throws when it cannot be found or started. */
export async function loadWasmOpt(): Promise<void> {
  loaded ??= load();
  await loaded;
}

/**
 * Runs `wasm-opt <args>` in this process. Throws when it exits non-zero. `main` reports its exit status through
 * `process.exitCode`, which is restored so a generator failure cannot change this process's own exit code.
 */
export async function wasmOpt(args: readonly string[]): Promise<void> {
  // A fresh instance after any failure (an abort leaves the Emscripten heap in an unknown state, and every later
  // call then fails with "memory access out of bounds"), and every RECYCLE_EVERY calls to bound leaks.
  if (calls >= RECYCLE_EVERY) loaded = undefined;
  if (loaded === undefined) calls = 0;
  loaded ??= load();
  const callMain = await loaded;
  calls++;
  const saved = process.exitCode;
  let status: number;
  try {
    status = callMain([...args]);
  } catch (e) {
    loaded = undefined;
    throw e;
  } finally {
    process.exitCode = saved;
  }
  if (status !== 0) {
    loaded = undefined;
    throw new Error(`wasm-opt ${args.join(" ")} exited ${status}`);
  }
}
