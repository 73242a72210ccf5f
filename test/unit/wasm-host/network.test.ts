// Outbound HTTP (cpex.http_request) for worker-mode plugins, against a local server on 127.0.0.1 started here:
// what the allow rules admit goes through, each kind of denial ends the call with `network_denied`, responses are
// bounded, redirects are not followed, and a slow server ends the call at its deadline. Loopback only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginManager } from "../../../src/core/index.js";
import { WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../../../src/hosts/wasm/index.js";
import { captureLogger, guest, tempDir, writeGuest } from "../../helpers/wasm-host.js";

/** Sends the payload (a request map) as it is to http_request and returns the response map as modified_payload. */
const fetcher = guest(
  `(data (i32.const 4096) "\\81\\b0modified_payload")
  (func (export "cpex_handle") (result i32)
    (local $n i32) (local $r i32)
    (local.set $n (call $payload_len))
    (drop (call $payload_read (i32.const 8192) (local.get $n)))
    (local.set $r (call $http_request (i32.const 8192) (local.get $n)))
    (drop (call $http_response_read (i32.const 4114) (local.get $r)))
    (drop (call $result_set (i32.const 4096) (i32.add (i32.const 18) (local.get $r))))
    (i32.const 0))`,
  {
    extraImports: `(import "cpex" "http_request" (func $http_request (param i32 i32) (result i32)))
  (import "cpex" "http_response_read" (func $http_response_read (param i32 i32) (result i32)))`,
  },
);

/** Makes the payload's request 20 times in one call. */
const repeater = guest(
  `(func (export "cpex_handle") (result i32)
    (local $n i32) (local $i i32)
    (local.set $n (call $payload_len))
    (drop (call $payload_read (i32.const 8192) (local.get $n)))
    (loop $l
      (drop (call $http_request (i32.const 8192) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20))))
    (i32.const 0))`,
  { extraImports: `(import "cpex" "http_request" (func $http_request (param i32 i32) (result i32)))` },
);

let server: Server;
let port: number;
let okHits = 0;
const managers: PluginManager[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/ok") {
      okHits++;
      res.setHeader("x-seen-method", req.method ?? "");
      res.end("hello");
    } else if (req.url === "/echo") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => res.end(`${req.method} ${req.headers["x-token"] ?? ""} ${Buffer.concat(chunks)}`));
    } else if (req.url === "/big") res.end(Buffer.alloc(2 * 1024 * 1024, 97));
    else if (req.url === "/redirect") {
      res.statusCode = 302;
      res.setHeader("location", "/ok");
      res.end();
    } else if (req.url === "/slow") setTimeout(() => res.end("late"), 5_000).unref();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const m of managers) await m.shutdown();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function load(
  network: string,
  extra = "    execution: worker\n",
  wat = fetcher,
): Promise<PluginManager> {
  const dir = await tempDir();
  await writeGuest(dir, "f.wasm", wat);
  const m = new PluginManager({ logger: captureLogger() });
  m.registerScheme(WASM_SCHEME, new WasmPluginFactory(new WasmEngine(), { workers: 1 }));
  await m.loadConfigYaml(
    `plugins:\n  - name: f\n    kind: wasm://${dir}/f.wasm\n    hooks: [tool_pre_invoke]\n    on_error: ignore\n${extra}    config:\n      sandbox_policy:\n        allowed_network: ${network}\n`,
  );
  await m.initialize();
  managers.push(m);
  return m;
}

const rule = () => `[{ host: "127.0.0.1", ports: [${port}], schemes: [http], methods: [GET, POST] }]`;
const get = (m: PluginManager, url: string, more: Record<string, unknown> = {}) =>
  m.invoke<unknown>("tool_pre_invoke", { method: "GET", url, ...more });
const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);

describe("cpex.http_request", () => {
  it("an allowed request returns status, headers and body", async () => {
    const m = await load(rule());
    const r = await get(m, `http://127.0.0.1:${port}/ok`);
    expect(r.errors).toEqual([]);
    const res = r.modifiedPayload as { status: number; headers: Record<string, string>; body: Uint8Array };
    expect(res.status).toBe(200);
    expect(res.headers["x-seen-method"]).toBe("GET");
    expect(text(res.body)).toBe("hello");
  });

  it("sends the method, the guest's headers and the body", async () => {
    const m = await load(rule());
    const r = await get(m, `http://127.0.0.1:${port}/echo`, {
      method: "POST",
      headers: { "X-Token": "t1" },
      body: "data",
    });
    expect(text((r.modifiedPayload as { body: Uint8Array }).body)).toBe("POST t1 data");
  });

  const denials: Array<[string, () => string, () => string, Record<string, unknown>]> = [
    ["no network grant at all", () => "[]", () => `http://127.0.0.1:${port}/ok`, {}],
    ["another port", rule, () => `http://127.0.0.1:${port + 1}/ok`, {}],
    ["another host (localhost is not 127.0.0.1)", rule, () => `http://localhost:${port}/ok`, {}],
    ["a scheme outside the rule (https)", rule, () => `https://127.0.0.1:${port}/ok`, {}],
    [
      "schemes default to https only",
      () => `[{ host: "127.0.0.1", ports: [${port}] }]`,
      () => `http://127.0.0.1:${port}/ok`,
      {},
    ],
    ["a method outside the rule", rule, () => `http://127.0.0.1:${port}/ok`, { method: "DELETE" }],
    [
      "a wildcard never matches an IP address",
      () => `[{ host: "*.0.0.1", schemes: [http] }]`,
      () => `http://127.0.0.1:${port}/ok`,
      {},
    ],
    ["credentials in the URL", rule, () => `http://user:pw@127.0.0.1:${port}/ok`, {}],
    ["a non-http scheme", rule, () => "file:///etc/passwd", {}],
  ];
  for (const [what, rules, url, more] of denials) {
    it(`denies ${what}: network_denied, nothing sent`, async () => {
      const before = okHits;
      const m = await load(rules());
      const r = await get(m, url(), more);
      expect(r.errors.map((e) => e.code)).toEqual(["network_denied"]);
      expect(okHits).toBe(before);
    });
  }

  it("a header the host sets (Host) is an abi_violation", async () => {
    const m = await load(rule());
    const r = await get(m, `http://127.0.0.1:${port}/ok`, { headers: { Host: "internal.example" } });
    expect(r.errors.map((e) => e.code)).toEqual(["abi_violation"]);
  });

  it("more than 16 requests in one call: network_denied, the 17th is never sent", async () => {
    const before = okHits;
    const m = await load(rule(), "    execution: worker\n", repeater);
    const r = await get(m, `http://127.0.0.1:${port}/ok`);
    expect(r.errors.map((e) => e.code)).toEqual(["network_denied"]);
    expect(okHits - before).toBe(16);
  });

  it("an oversized response is reported to the guest as response_too_large", async () => {
    const m = await load(rule());
    const r = await get(m, `http://127.0.0.1:${port}/big`);
    expect(r.errors).toEqual([]);
    expect((r.modifiedPayload as { error: { code: string } }).error.code).toBe("response_too_large");
  });

  it("redirects are returned, not followed", async () => {
    const before = okHits;
    const m = await load(rule());
    const r = await get(m, `http://127.0.0.1:${port}/redirect`);
    const res = r.modifiedPayload as { status: number; headers: Record<string, string> };
    expect(res.status).toBe(302);
    expect(res.headers["location"]).toBe("/ok");
    expect(okHits).toBe(before);
  });

  it("a slow server ends the call at its deadline (timeout), the worker stays usable", async () => {
    const m = await load(rule(), "    execution: worker\n    limits: { timeout_ms: 300 }\n");
    const r = await get(m, `http://127.0.0.1:${port}/slow`);
    expect(r.errors.map((e) => e.code)).toEqual(["timeout"]);
    expect(r.errors[0]?.details).not.toMatchObject({ hard_kill: true });
    const next = await get(m, `http://127.0.0.1:${port}/ok`);
    expect(text((next.modifiedPayload as { body: Uint8Array }).body)).toBe("hello");
  });

  it("without an execution key, a plugin that imports http_request runs on a worker (upstream YAML loads as is)", async () => {
    const m = await load(rule(), "");
    const r = await get(m, `http://127.0.0.1:${port}/ok`);
    expect(text((r.modifiedPayload as { body: Uint8Array }).body)).toBe("hello");
  });

  it("an inline plugin that imports http_request does not load", async () => {
    await expect(load(rule(), "    execution: inline\n")).rejects.toThrow(
      /imports cpex\.http_request, which needs `execution: worker`/,
    );
  });
});
