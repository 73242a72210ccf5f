// The seeded payload generators of the per-plugin benchmarks (bench/plugin-payloads.ts): the same seed gives the
// same bytes (the Rust bench times the bytes the Node side encodes), sizes land within a few % of the target,
// and each payload is from its plugin's own domain: the native TypeScript plugin handles it on its hook and
// decides as it would in a gateway (url_guard allows the fetch, pii_redactor finds something to redact, ...).

import { Packr } from "msgpackr";
import { afterAll, describe, expect, it } from "vitest";
import { loadPlugin } from "../../../bench/plugin-hosts.js";
import { encodedSize, PLUGINS, type PluginName, WORKLOADS } from "../../../bench/plugin-payloads.js";
import { extensionsFromWire, type PluginManager } from "../../../src/core/index.js";

const packr = new Packr({ useRecords: false });
const SIZES = [1024, 16 * 1024, 100 * 1024];

describe("seeded payloads", () => {
  it.each(PLUGINS)("%s: same seed, same bytes; another seed, other bytes", (name) => {
    const w = WORKLOADS[name];
    const a = packr.pack(w.make(3, 16 * 1024));
    const b = packr.pack(w.make(3, 16 * 1024));
    const c = packr.pack(w.make(4, 16 * 1024));
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it.each(PLUGINS)("%s: 1, 16 and 100 KiB within 4 %% for seeds 1 to 8", (name) => {
    for (const size of SIZES)
      for (let seed = 1; seed <= 8; seed++) {
        const bytes = encodedSize(WORKLOADS[name].make(seed, size).payload);
        expect(Math.abs(bytes / size - 1), `${name} seed ${seed} at ${size}: ${bytes} B`).toBeLessThanOrEqual(
          0.04,
        );
      }
  });

  it("each is its plugin's kind of content", () => {
    const url = WORKLOADS.url_guard.make(1, 1024).payload;
    expect(url["uri"]).toMatch(/^https:\/\/docs\.internal\.example\//);
    const mail = WORKLOADS.pii_redactor.make(1, 16 * 1024).payload as {
      name: string;
      args: { body: string };
    };
    expect(mail.name).toBe("send_email");
    expect(mail.args.body).toMatch(/@example\.com|\(555\)|\d{3}-\d{2}-\d{4}/);
    const query = WORKLOADS.tool_tagger.make(1, 1024);
    expect(JSON.stringify(query.payload)).toContain("SELECT");
    expect(query.extensions).toHaveProperty("http.request_headers");
    const logs = WORKLOADS.secrets_scanner.make(1, 1024).payload as {
      result: { content: Array<{ text: string }> };
    };
    for (const line of logs.result.content[0]!.text.split("\n").slice(0, -1))
      expect(line).toMatch(/^2026-12-01T21:\d\d:\d\dZ (INFO|WARN|DEBUG) svc=/);
    expect(WORKLOADS.circuit_breaker.make(1, 1024).payload["name"]).toBe("search");
  });
});

describe("each payload through its native plugin", () => {
  const managers: PluginManager[] = [];
  afterAll(async () => {
    await Promise.all(managers.map((m) => m.shutdown()));
  });

  // What the plugin does with a gateway's ordinary traffic: passes it, except pii_redactor, which rewrites the
  // mail (about one sentence in five carries personal data); tool_tagger labels the call in its extensions.
  const expected: Record<PluginName, { modified: boolean }> = {
    url_guard: { modified: false },
    pii_redactor: { modified: true },
    tool_tagger: { modified: false },
    secrets_scanner: { modified: false },
    circuit_breaker: { modified: false },
  };

  it.each(PLUGINS)("%s handles it on its hook without a violation or error", async (name) => {
    const m = await loadPlugin(name, "native_ts");
    managers.push(m);
    const w = WORKLOADS[name];
    const input = w.make(2, 16 * 1024);
    const r = await m.invoke(
      w.hook,
      input.payload,
      input.extensions === undefined ? {} : { extensions: extensionsFromWire(input.extensions) },
    );
    expect(r.errors).toEqual([]);
    expect(r.continueProcessing).toBe(true);
    expect(r.violation).toBeUndefined();
    expect(r.payloadModified).toBe(expected[name].modified);
    // tool_tagger's work is in the extensions: a database call is labelled so.
    if (name === "tool_tagger") expect(r.modifiedExtensions.security?.labels).toContain("DATABASE");
  });
});
