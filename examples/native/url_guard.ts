// url_guard (example-plugins §3.1) as a native TypeScript plugin: the same decisions as the Rust/WebAssembly build
// (examples/plugins/url_guard), checked against the same vectors.

import {
  definePlugin,
  type JsonObject,
  type PluginFactory,
  PluginResult,
  type ResourcePreFetchPayload,
} from "../../src/core/index.js";

export interface UrlGuardConfig {
  allowed_schemes?: string[];
  allow_domains?: string[];
  allow_patterns?: string[];
  block_domains?: string[];
  block_patterns?: string[];
  block_private_addresses?: boolean;
  entropy_threshold?: number | null;
  max_uri_length?: number;
}

const WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const REASONS: Record<string, string> = {
  uri_too_long: "URI too long",
  malformed_url: "Could not parse URL",
  insecure_scheme: "Scheme not allowed",
  private_address: "Private or loopback address",
  blocked_domain: "Domain in blocked set",
  blocked_pattern: "URL matches blocked pattern",
  high_entropy_domain: "High entropy domain",
};

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const utf8Len = (s: string) => Buffer.byteLength(s, "utf8");

function normalizeDomain(entry: string): string {
  let d = asciiLower(entry.replace(WS, ""));
  if (d.startsWith("*.")) d = d.slice(2);
  if (d.startsWith(".")) d = d.slice(1);
  if (d.endsWith(".")) d = d.slice(0, -1);
  if (d === "") throw new Error(`url_guard: domain entry '${entry}' is empty after normalization`);
  return d;
}

// Portable dialect: flags `u` (ASCII \b), never `i`.
const compile = (p: string) => new RegExp(p, "u");

function parse(t: string): { scheme: string; host: string } | undefined {
  const colon = t.indexOf(":");
  if (colon <= 0) return undefined;
  const scheme = t.slice(0, colon);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) return undefined;
  const after = t.slice(colon + 1);
  if (!after.startsWith("//")) return undefined;
  const rest = after.slice(2);
  const endMatch = rest.search(/[/?#]/);
  let authority = endMatch < 0 ? rest : rest.slice(0, endMatch);
  if (authority.includes("\\")) return undefined;
  const at = authority.lastIndexOf("@");
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  let port: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) return undefined;
    host = authority.slice(0, close + 1);
    port = authority.slice(close + 1);
  } else {
    const c = authority.indexOf(":");
    host = c < 0 ? authority : authority.slice(0, c);
    port = c < 0 ? "" : authority.slice(c);
  }
  if (port !== "" && (!/^:[0-9]{1,5}$/.test(port) || Number(port.slice(1)) > 65535)) return undefined;
  host = asciiLower(host);
  if (host.length > 1 && host.endsWith(".")) host = host.slice(0, -1);
  if (host === "" || host.includes(" ") || host.includes("\t")) return undefined;
  return { scheme: asciiLower(scheme), host };
}

function ipv4(h: string): number[] | undefined {
  const parts = h.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0"))) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

const privateV4 = (a: number[]) =>
  a[0] === 0 ||
  a[0] === 10 ||
  a[0] === 127 ||
  (a[0] === 169 && a[1] === 254) ||
  (a[0] === 172 && a[1]! >= 16 && a[1]! <= 31) ||
  (a[0] === 192 && a[1] === 168);

function isPrivate(h: string): boolean {
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const v4 = ipv4(h);
  if (v4 !== undefined) return privateV4(v4);
  if (h === "[::1]" || h === "[::]") return true;
  if (["[fc", "[fd", "[fe8", "[fe9", "[fea", "[feb"].some((p) => h.startsWith(p))) return true;
  if (h.startsWith("[::ffff:") && h.endsWith("]")) {
    const inner = ipv4(h.slice(8, -1));
    return inner !== undefined && privateV4(inner);
  }
  return false;
}

const domainMatch = (h: string, list: readonly string[]) => list.some((e) => h === e || h.endsWith(`.${e}`));

function entropy(h: string): number {
  const bytes = Buffer.from(h, "utf8");
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  let e = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / bytes.length;
      e -= p * Math.log2(p);
    }
  }
  return e;
}

export function createUrlGuard(config: UrlGuardConfig = {}) {
  const allowedSchemes = (config.allowed_schemes ?? ["https"]).map(asciiLower);
  const allowDomains = (config.allow_domains ?? []).map(normalizeDomain);
  const blockDomains = (config.block_domains ?? []).map(normalizeDomain);
  const allowPatterns = (config.allow_patterns ?? []).map(compile);
  const blockPatterns = (config.block_patterns ?? []).map(compile);
  const blockPrivate = config.block_private_addresses ?? true;
  const threshold = config.entropy_threshold ?? null;
  const maxLen = config.max_uri_length ?? 2048;

  const block = (category: string, host?: string) =>
    PluginResult.deny({
      code: "URL_REPUTATION_BLOCK",
      reason: REASONS[category]!,
      description: "Resource fetch blocked by url_guard",
      details: (host === undefined ? { category } : { category, host }) as JsonObject,
    });

  function decide(uri: unknown) {
    const t = (typeof uri === "string" ? uri : "").replace(WS, "");
    if (utf8Len(t) > maxLen) return block("uri_too_long");
    const p = parse(t);
    if (p === undefined) return block("malformed_url");
    const { host, scheme } = p;
    if (domainMatch(host, allowDomains) || allowPatterns.some((r) => r.test(t))) return PluginResult.allow();
    if (!allowedSchemes.includes(scheme)) return block("insecure_scheme", host);
    if (blockPrivate && isPrivate(host)) return block("private_address", host);
    if (domainMatch(host, blockDomains)) return block("blocked_domain", host);
    if (blockPatterns.some((r) => r.test(t))) return block("blocked_pattern", host);
    if (threshold !== null) {
      const isIp = ipv4(host) !== undefined || host.startsWith("[");
      if (!isIp && utf8Len(host) >= 8 && entropy(host) > threshold) return block("high_entropy_domain", host);
    }
    return PluginResult.allow();
  }

  return definePlugin({
    name: "url_guard",
    hooks: { resource_pre_fetch: (p: ResourcePreFetchPayload) => decide(p.uri) },
  });
}

export const urlGuardFactory: PluginFactory = {
  create: (config) => createUrlGuard((config.config ?? {}) as UrlGuardConfig),
};
