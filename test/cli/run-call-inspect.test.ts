// `cpex run`, `call` (and its old name `invoke`), `inspect` and `--version` run as subprocesses on the example
// plugins: exit codes 0 allow / 1 deny / 2 error, `--json` is exactly one JSON document, errors are one line.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpex, examples, root } from "./cli-process.js";

let dir: string;
let config: string;
const secrets = join(examples, "secrets_scanner/secrets_scanner.wasm");
const pii = join(examples, "pii_redactor/pii_redactor.wasm");
const allowPayload = { name: "send", args: { email: "bob@example.com" } };
const denyPayload = { name: "send", args: { key: "AKIAIOSFODNN7EXAMPLE" } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cpex-cli-"));
  config = join(dir, "cpex.yaml");
  await writeFile(
    config,
    [
      "plugins:",
      "  - { name: guard, kind: demo/tool_guard, hooks: [tool_pre_invoke] }",
      `  - { name: secrets_scanner, kind: "wasm://${secrets}", hooks: [tool_pre_invoke], priority: 35 }`,
      `  - { name: pii_redactor, kind: "wasm://${pii}", hooks: [tool_pre_invoke], priority: 40 }`,
      "",
    ].join("\n"),
  );
  await writeFile(join(dir, "allow.json"), JSON.stringify(allowPayload));
  await writeFile(join(dir, "deny.json"), JSON.stringify(denyPayload));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("cpex run", () => {
  it("--json prints one document: allow, modified payload, per-plugin fuel, skipped natives; exit 0", async () => {
    const r = await cpex([
      "run",
      config,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      join(dir, "allow.json"),
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc["decision"]).toBe("allow");
    expect(doc["result"]).toMatchObject({
      payload_modified: true,
      modified_payload: { args: { email: "[REDACTED]" } },
    });
    const plugins = doc["plugins"] as Array<Record<string, unknown>>;
    expect(plugins.map((p) => p["plugin"])).toEqual(["secrets_scanner", "pii_redactor"]);
    for (const p of plugins) expect(p["fuel_used"]).toBeGreaterThan(0);
    expect(doc["skipped"]).toEqual([
      {
        name: "guard",
        kind: "demo/tool_guard",
        reason: "native plugin: provided by the embedding application",
      },
    ]);
  });

  it("a deny exits 1 and names the violation; the payload can come from stdin", async () => {
    const r = await cpex(["run", config, "--hook", "tool_pre_invoke", "--payload", "-"], {
      input: JSON.stringify(denyPayload),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("decision: deny (SECRETS_DETECTED");
    expect(r.stdout).toMatch(/secrets_scanner\s+sequential\s+deny/);
    expect(r.stderr).toContain("skipped guard (demo/tool_guard)");
  });

  it("prints a diff of the modified payload (no colour codes off a TTY)", async () => {
    const r = await cpex([
      "run",
      config,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      JSON.stringify(allowPayload),
    ]);
    expect(r.stdout).toContain('- args.email: "bob@example.com"');
    expect(r.stdout).toContain('+ args.email: "[REDACTED]"');
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("--repeat reports timings over n runs", async () => {
    const r = await cpex([
      "run",
      config,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      join(dir, "allow.json"),
      "--json",
      "--repeat",
      "3",
    ]);
    expect((JSON.parse(r.stdout) as { timing: { runs: number } }).timing.runs).toBe(3);
  });

  it("a missing config or payload exits 2 with one line and no stack trace; --debug adds the stack", async () => {
    const r = await cpex(["run", join(dir, "missing.yaml"), "--hook", "tool_pre_invoke", "--payload", "{}"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("cannot read config file");
    const p = await cpex(["run", config, "--hook", "tool_pre_invoke", "--payload", join(dir, "nope.json")]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("--payload: cannot read");
    expect(p.stderr).not.toContain("    at ");
    const d = await cpex([
      "--debug",
      "run",
      config,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      join(dir, "nope.json"),
    ]);
    expect(d.stderr).toContain("    at ");
  });

  it("a usage error (missing --hook) exits 2", async () => {
    const r = await cpex(["run", config, "--payload", "{}"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--hook <hook>' not specified");
  });

  it("--context carries a previous run's global state into the next hook", async () => {
    await writeFile(
      join(dir, "ctx.json"),
      JSON.stringify({ global_state: { request: "r1" }, local_states: {} }),
    );
    const r = await cpex([
      "run",
      config,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      join(dir, "allow.json"),
      "--context",
      join(dir, "ctx.json"),
      "--json",
    ]);
    expect((JSON.parse(r.stdout) as { context: { global_state: unknown } }).context.global_state).toEqual({
      request: "r1",
    });
  });
});

describe("cpex call / invoke", () => {
  it("runs one module with limits from flags; --fuel too small for it is a deny (exit 1) with code", async () => {
    const ok = await cpex([
      "call",
      pii,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      JSON.stringify(allowPayload),
      "--json",
    ]);
    expect(ok.code).toBe(0);
    const low = await cpex([
      "call",
      pii,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      JSON.stringify(allowPayload),
      "--fuel",
      "1000",
      "--json",
    ]);
    expect(low.code).toBe(1);
    const doc = JSON.parse(low.stdout) as { plugins: Array<{ error?: { code: string } }> };
    expect(doc.plugins[0]?.error?.code).toBe("fuel_exhausted");
  });

  it("invoke is an alias of call; --config is passed to the plugin", async () => {
    const r = await cpex([
      "invoke",
      pii,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      JSON.stringify(allowPayload),
      "--config",
      '{"default_strategy":"partial"}',
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { result: { modified_payload: { args: { email: string } } } };
    expect(doc.result.modified_payload.args.email).toBe("b***b@example.com");
  });
});

describe("cpex inspect / --version", () => {
  it("reports sha256, the verdict and declared hooks as JSON", async () => {
    const r = await cpex(["inspect", pii, "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc["sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(doc).toMatchObject({ loadable: true, abi_version: 1, problems: [] });
    expect(doc["hooks"]).toContain("tool_pre_invoke");
  });

  it("a file that is not wasm is 'not loadable' (exit 1); a missing file is one line (exit 2)", async () => {
    const bad = await cpex(["inspect", join(root, "package.json")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("not loadable by this host");
    const missing = await cpex(["inspect", join(dir, "none.wasm")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^error: cannot read '.*none\.wasm': ENOENT$/);
  });

  it("a module importing what the sandbox does not provide is refused, naming the import", async () => {
    // (module (import "env" "system" (func)) (memory (export "memory") 1))
    const wasm = Uint8Array.from([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 14, 1, 3, 101, 110, 118, 6, 115, 121, 115, 116, 101,
      109, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0,
    ]);
    await writeFile(join(dir, "env.wasm"), wasm);
    const r = await cpex(["inspect", join(dir, "env.wasm"), "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { imports: Array<{ refused?: string }>; loadable: boolean };
    expect(doc.loadable).toBe(false);
    expect(doc.imports[0]?.refused).toContain("unknown import module 'env'");
  });

  it("--version prints the package version", async () => {
    const r = await cpex(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("0.1.0");
  });
});

describe("cpex check table", () => {
  it("prints one row per plugin with sha256 and load time; --strict fails on a warning", async () => {
    const r = await cpex(["check", config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /name\s+kind\s+hooks\s+mode\s+priority\s+on_error\s+capabilities\s+limits\s+sha256\s+load/,
    );
    expect(r.stdout).toMatch(
      /pii_redactor\s+wasm:\/\/\S+\s+tool_pre_invoke\s+sequential\s+40\s+fail\s+-\s+defaults\s+[0-9a-f]{12}\s+[\d.]+ ms/,
    );
    expect(r.stdout).toMatch(/guard\s+demo\/tool_guard\s+.*native$/m);
    const warned = join(dir, "warn.yaml");
    await writeFile(
      warned,
      `plugins:\n  - { name: p, kind: "wasm://${pii}", hooks: [tool_pre_invoke], limitz: {} }\n`,
    );
    expect((await cpex(["check", warned])).code).toBe(0);
    expect((await cpex(["check", warned, "--strict"])).code).toBe(1);
  });
});

describe("cpex profile", () => {
  it("measures fuel growing with the payload and prints a limits block", async () => {
    const payload = JSON.stringify({ name: "send", args: { body: "mail alice@example.com now. " } });
    const r = await cpex([
      "profile",
      pii,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      payload,
      "--sizes",
      "1024,8192",
      "--repeat",
      "1",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      field: string;
      rows: Array<{ fuel: number }>;
      limits: { fuel: number };
    };
    expect(doc.field).toBe("args.body");
    expect(doc.rows[1]!.fuel).toBeGreaterThan(doc.rows[0]!.fuel);
    expect(doc.limits.fuel).toBeGreaterThanOrEqual(doc.rows[1]!.fuel * 2);
    const human = await cpex([
      "profile",
      pii,
      "--hook",
      "tool_pre_invoke",
      "--payload",
      payload,
      "--sizes",
      "1024",
      "--repeat",
      "1",
    ]);
    expect(human.stdout).toMatch(/limits: \{ fuel: \d+, timeout_ms: \d+, memory_mb: \d+ \}/);
    expect(human.stdout).toContain("headroom: 2x fuel, 3x time, 1.5x memory");
  });
});
