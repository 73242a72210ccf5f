// scripts/provision.sh (run by `npm test` first) and the argument checks of sdk/rust/build-plugins.sh. The
// fresh-machine path is exercised without uninstalling anything: an empty dpkg database makes every package look
// missing.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeChild, REPO_ROOT, runChild } from "../helpers/run-child.js";

const LIST = readFileSync(join(REPO_ROOT, "scripts/debian-packages.txt"), "utf8")
  .split("\n")
  .map((l) => l.replace(/#.*/, "").trim())
  .filter((l) => l !== "");

function emptyDpkgDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "cpex-dpkg-"));
  writeFileSync(join(dir, "status"), "");
  return dir;
}

const provision = (args: string[], env: NodeJS.ProcessEnv, asNobody = false) => {
  const script = ["bash", join(REPO_ROOT, "scripts/provision.sh"), ...args];
  // As root, drop to an unprivileged user to see what a developer without root gets.
  const [cmd, ...rest] =
    asNobody && process.getuid?.() === 0
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...script]
      : script;
  return runChild(cmd!, rest, { env: { ...process.env, ...env }, timeoutMs: 60_000 });
};

describe("scripts/provision.sh", () => {
  it("the package list names the Rust toolchain, its crates and wabt", () => {
    for (const p of ["rustc", "cargo", "libstd-rust-dev-wasm32", "lld-14", "wabt", "librust-regex-dev"])
      expect(LIST).toContain(p);
    // binaryen comes from npm; nothing else keeps its own copy of the list.
    expect(LIST).not.toContain("binaryen");
    expect(readFileSync(join(REPO_ROOT, ".ci/run"), "utf8")).not.toMatch(/libstd-rust|apt-get install/);
  });

  it("with nothing installed, --check lists every package and the exact command, and fails", async () => {
    const r = await provision(["--check"], { CPEX_DPKG_ADMINDIR: emptyDpkgDatabase() });
    expect(r.code, describeChild("provision --check", r)).toBe(1);
    expect(r.stderr).toContain(`missing Debian packages: ${LIST.join(" ")}`);
    expect(r.stderr).toContain(`apt-get update && apt-get install -y ${LIST.join(" ")}`);
  });

  it("without root it prints the command to run as root and fails before any test would run", async () => {
    const r = await provision([], { CPEX_DPKG_ADMINDIR: emptyDpkgDatabase() }, true);
    expect(r.code, describeChild("provision (not root)", r)).toBe(1);
    expect(r.stderr).toContain("only as root");
    expect(r.stderr).toContain(`sudo sh -c 'apt-get update && apt-get install -y ${LIST.join(" ")}'`);
  });

  it("with everything installed it only checks (npm test has just provisioned this machine)", async () => {
    const r = await provision(["--check"], {});
    expect(r.code, describeChild("provision --check", r)).toBe(0);
    expect(r.stderr).toContain(`all ${LIST.length} Debian packages present`);
  });
});

describe("npm run build:plugins", () => {
  it("rejects a name that is not an example plugin, naming the ones there are", async () => {
    const r = await runChild("bash", [join(REPO_ROOT, "sdk/rust/build-plugins.sh"), "no_such_plugin"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no example plugin named 'no_such_plugin'");
    expect(r.stderr).toContain("url_guard");
  });
});
