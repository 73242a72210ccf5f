// Seeded payload generators for the per-plugin benchmarks, one per example plugin and in that plugin's own domain:
// a fetch with its request metadata for url_guard, an e-mail with some personal data for pii_redactor, a database
// tool call with gateway headers for tool_tagger, a tool result of service logs for secrets_scanner, a search call
// for circuit_breaker. A seed and a target size (bytes of MessagePack) give the same payload on every machine, so
// the Rust bench times the very bytes the Node side encodes.
import { Packr } from "msgpackr";
// mulberry32, shared with the decoder's property tests: small, fast and the same everywhere.
import { prng } from "../test/helpers/random-msgpack.js";

export type PluginName = "url_guard" | "pii_redactor" | "tool_tagger" | "secrets_scanner" | "circuit_breaker";
export const PLUGINS: readonly PluginName[] = [
  "url_guard",
  "pii_redactor",
  "tool_tagger",
  "secrets_scanner",
  "circuit_breaker",
];

export interface PluginInput {
  payload: Record<string, unknown>;
  /** Extensions in wire form (snake_case), as vectors.json writes them; none when absent. */
  extensions?: Record<string, unknown>;
}

export interface PluginWorkload {
  hook: string;
  make(seed: number, bytes: number): PluginInput;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");

const packr = new Packr({ useRecords: false });
export const encodedSize = (v: unknown): number => packr.pack(v).length;

/**
 * Appends `item(i)` to `list` until the whole `root` encodes to about `bytes`: each round adds half the items the
 * average so far says are missing, then measures again (a few encodes even at 100 KiB), and a last item that
 * overshoots by more than the payload would fall short without it goes again: the size lands within half an item
 * of the target.
 */
function grow(root: unknown, list: unknown[], bytes: number, item: (i: number) => unknown): void {
  const base = encodedSize(root);
  let size = base;
  let i = 0;
  while (size < bytes) {
    const per = list.length === 0 ? 0 : (size - base) / list.length;
    const n = per === 0 ? 1 : Math.max(1, Math.floor((bytes - size) / per / 2));
    for (let k = 0; k < n; k++) list.push(item(i++));
    size = encodedSize(root);
  }
  if (list.length === 0) return;
  const last = list.pop();
  if (size - bytes < bytes - encodedSize(root)) list.push(last);
}

const WORDS = [
  "gateway",
  "request",
  "quarterly",
  "invoice",
  "meeting",
  "deployment",
  "customer",
  "schedule",
  "report",
  "policy",
  "budget",
  "review",
  "thanks",
  "please",
  "attached",
  "tomorrow",
  "the",
  "and",
  "for",
  "with",
];
const sentence = (r: () => number, n: number) => Array.from({ length: n }, () => pick(r, WORDS)).join(" ");

const urlGuard: PluginWorkload = {
  hook: "resource_pre_fetch",
  make(seed, bytes) {
    const r = prng(seed);
    // The URI stays well under max_uri_length; the size is in the request metadata a gateway forwards.
    const links: unknown[] = [];
    const metadata = {
      client: { id: `client-${hex(r, 6)}`, ip: `10.${Math.floor(r() * 255)}.0.7` },
      headers: { accept: "text/markdown", "user-agent": "mcp-gateway/1.4", "x-trace-id": hex(r, 32) },
      links,
    };
    const payload = {
      uri: `https://docs.internal.example/guides/${hex(r, 8)}/README.md?rev=${hex(r, 7)}`,
      metadata,
    };
    grow(payload, links, bytes, (i) => ({
      href: `https://docs.internal.example/${pick(r, WORDS)}/${hex(r, 10)}#s${i}`,
      title: sentence(r, 3),
    }));
    return { payload };
  },
};

const piiRedactor: PluginWorkload = {
  hook: "tool_pre_invoke",
  make(seed, bytes) {
    const r = prng(seed);
    const paragraphs: string[] = [];
    const payload = {
      name: "send_email",
      args: { to: "team@example.com", subject: "Quarterly review", body: "" },
    };
    const pii = [
      () => `alice.${hex(r, 4)}@example.com`,
      () => `(555) ${100 + Math.floor(r() * 900)}-${1000 + Math.floor(r() * 9000)}`,
      () => `${100 + Math.floor(r() * 800)}-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 9000)}`,
    ];
    for (let i = 0; payload.args.body.length < bytes - 96; i++) {
      // About one detection every five sentences: mostly clean prose, as most mail is.
      paragraphs.push(i % 5 === 4 ? `${sentence(r, 8)} ${pick(r, pii)()}.` : `${sentence(r, 12)}.`);
      if (i % 16 === 15) payload.args.body = paragraphs.join(" ");
    }
    payload.args.body = paragraphs.join(" ").slice(0, Math.max(0, bytes - 96));
    return { payload };
  },
};

const toolTagger: PluginWorkload = {
  hook: "tool_pre_invoke",
  make(seed, bytes) {
    const r = prng(seed);
    const params: unknown[] = [];
    const payload = {
      name: pick(r, ["db_query", "sql_query", "db_export"]),
      args: { sql: "SELECT id, name, email FROM customers WHERE region = ? AND tier IN (?)", params },
    };
    grow(payload, params, bytes, () => ({
      region: pick(r, ["eu", "us", "apac"]),
      id: hex(r, 12),
      note: sentence(r, 4),
    }));
    const extensions = {
      request: { request_id: `req-${hex(r, 8)}` },
      http: { request_headers: { "Content-Type": "application/json", "X-Tenant": `t-${hex(r, 4)}` } },
      security: { labels: [] },
    };
    return { payload, extensions };
  },
};

const secretsScanner: PluginWorkload = {
  hook: "tool_post_invoke",
  make(seed, bytes) {
    const r = prng(seed);
    // Service logs without credentials: the scanner reads every byte, its worst case.
    const lines: string[] = [];
    let size = 0;
    while (size < bytes - 64) {
      const line = `2026-12-01T21:${10 + Math.floor(r() * 49)}:${10 + Math.floor(r() * 49)}Z ${pick(r, ["INFO", "WARN", "DEBUG"])} svc=${pick(r, WORDS)} req=${hex(r, 12)} path=/api/v1/${pick(r, WORDS)}/${Math.floor(r() * 9999)} status=${pick(r, [200, 201, 404, 503])} took=${Math.floor(r() * 900)}ms`;
      lines.push(line);
      size += line.length + 1;
    }
    const text = lines.join("\n").slice(0, Math.max(0, bytes - 64));
    return { payload: { name: "read_logs", result: { content: [{ type: "text", text }], isError: false } } };
  },
};

const circuitBreaker: PluginWorkload = {
  hook: "tool_pre_invoke",
  make(seed, bytes) {
    const r = prng(seed);
    // The pre hook: every tool call passes it, and it does not grow the breaker's window (the post hook does,
    // which would make later samples slower than earlier ones).
    const filters: unknown[] = [];
    const payload = { name: "search", args: { query: sentence(r, 6), page: 1, filters } };
    grow(payload, filters, bytes, () => ({
      field: pick(r, WORDS),
      op: pick(r, ["eq", "prefix", "gt"]),
      value: hex(r, 10),
    }));
    return { payload };
  },
};

export const WORKLOADS: Readonly<Record<PluginName, PluginWorkload>> = {
  url_guard: urlGuard,
  pii_redactor: piiRedactor,
  tool_tagger: toolTagger,
  secrets_scanner: secretsScanner,
  circuit_breaker: circuitBreaker,
};
