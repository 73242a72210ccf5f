// Converting .wast scripts with wabt's wast2json (Debian `wabt`, installed by scripts/provision.sh), cached by
// content hash in the temp folder.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The testsuite lives in `shared/wasm-spec-testsuite` beside the clone. A git worktree sits deeper than the
 * clone it belongs to, so every ancestor folder is tried; `CPEX_SPEC_TESTSUITE` names it explicitly.
 */
function findSuite(): string {
  const explicit = process.env["CPEX_SPEC_TESTSUITE"];
  if (explicit !== undefined && explicit !== "") return resolve(explicit);
  for (let dir = dirname(REPO); ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "wasm-spec-testsuite");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(dirname(REPO), "shared", "wasm-spec-testsuite");
  }
}

export const SUITE = findSuite();

/** `WAST2JSON` overrides the tool (a test of the missing-tool path points it at nothing). */
const WAST2JSON = process.env["WAST2JSON"] || "wast2json";

export function listScripts(): string[] {
  if (!existsSync(SUITE))
    throw new Error(
      `spec testsuite not found at ${SUITE} (expected shared/wasm-spec-testsuite beside the repo, or set CPEX_SPEC_TESTSUITE)`,
    );
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
    execFileSync(WAST2JSON, ["--version"], { stdio: "pipe" });
    return WAST2JSON;
  } catch {
    throw new Error(
      `${WAST2JSON} not found: install the Debian package \`wabt\` (npm test runs scripts/provision.sh, which does)`,
    );
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
    execFileSync(WAST2JSON, [...flags, script, "-o", json], { stdio: "pipe" });
    return { ok: true, dir, json };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    return { ok: false, reason: stderr.split("\n")[0] ?? "wast2json failed" };
  }
}
