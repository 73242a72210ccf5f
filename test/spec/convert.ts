// Converting .wast scripts with wabt's wast2json (Debian `wabt`), cached by content hash in the temp folder.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SUITE = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/wasm-spec-testsuite");

export function listScripts(): string[] {
  if (!existsSync(SUITE))
    throw new Error(`spec testsuite not found at ${SUITE} (expected ../shared beside the repo)`);
  const core = readdirSync(join(SUITE, "core"))
    .filter((f) => f.endsWith(".wast"))
    .map((f) => join(SUITE, "core", f));
  const tail = readdirSync(join(SUITE, "proposals/tail-call"))
    .filter((f) => f.endsWith(".wast"))
    .map((f) => join(SUITE, "proposals/tail-call", f));
  return [...core.sort(), ...tail.sort()];
}

export function requireWast2json(): string {
  try {
    execFileSync("wast2json", ["--version"], { stdio: "pipe" });
    return "wast2json";
  } catch {
    throw new Error("wast2json not found: install the Debian package `wabt` (bash .ci/run does)");
  }
}

export type Converted = { ok: true; dir: string; json: string } | { ok: false; reason: string };

export function convert(script: string): Converted {
  const source = readFileSync(script);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const name = basename(script, ".wast");
  const dir = join(tmpdir(), "cpex-spec", `${name}-${hash}`);
  const json = join(dir, `${name}.json`);
  if (existsSync(json)) return { ok: true, dir, json };
  mkdirSync(dir, { recursive: true });
  const flags = script.includes("tail-call") ? ["--enable-tail-call"] : [];
  try {
    execFileSync("wast2json", [...flags, script, "-o", json], { stdio: "pipe" });
    return { ok: true, dir, json };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    return { ok: false, reason: stderr.split("\n")[0] ?? "wast2json failed" };
  }
}
