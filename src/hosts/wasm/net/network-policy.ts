// The network grant's decisions (docs/security.md, "Network grant"), pure so they can be tested alone: which
// allow rule, if any, admits a request, and whether an address a name resolved to may be connected to. Everything
// is denied unless a rule admits it: host exact (case-insensitive) or `*.suffix` (names below the suffix, never
// the suffix itself, never an IP address), port in the rule's list (empty: any), scheme in the rule's list
// (default https), method in the rule's list (empty: any).

import { isIP } from "node:net";
import type { NetworkRule } from "../limits.js";

export interface Target {
  readonly scheme: "http" | "https";
  /** Lower case; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  readonly method: string;
  /** Path and query as sent on the request line. */
  readonly path: string;
}

export type Decision =
  | { readonly ok: true; readonly rule: NetworkRule }
  | { readonly ok: false; readonly reason: string };

const METHOD = /^[A-Z]{1,16}$/;

/** Parse a guest's URL and method; a reason when they cannot be requested at all. */
export function parseTarget(url: string, method: string): Target | { reason: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { reason: "not an absolute URL" };
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") return { reason: `scheme '${scheme}' is not http or https` };
  // Credentials in a URL would be sent to the server: the guest has no business holding any the operator did not
  // route through it, and `user@host` is a classic way to make a URL look like another host.
  if (u.username !== "" || u.password !== "") return { reason: "URLs with credentials are refused" };
  const m = method.toUpperCase();
  if (!METHOD.test(m)) return { reason: `'${method.slice(0, 32)}' is not an HTTP method` };
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "") return { reason: "no host" };
  const port = u.port === "" ? (scheme === "https" ? 443 : 80) : Number(u.port);
  return { scheme, host, port, method: m, path: `${u.pathname}${u.search}` };
}

function hostMatches(rule: string, host: string): boolean {
  const r = rule.replace(/^\[|\]$/g, "");
  if (!r.startsWith("*.")) return r === host;
  // A wildcard names DNS names only: `*.0.1` must not admit 127.0.0.1.
  if (isIP(host) !== 0) return false;
  const suffix = r.slice(1); // ".example.com"
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** The first rule admitting `t`, or why none does (the most specific mismatch, for the error message). */
export function admit(rules: readonly NetworkRule[], t: Target): Decision {
  if (rules.length === 0)
    return { ok: false, reason: "the plugin has no network grant (sandbox_policy.allowed_network)" };
  let reason = `host '${t.host}' is not allowed`;
  for (const rule of rules) {
    if (!hostMatches(rule.host, t.host)) continue;
    if (rule.ports.length > 0 && !rule.ports.includes(t.port)) {
      reason = `port ${t.port} is not allowed for ${t.host}`;
      continue;
    }
    if (!rule.schemes.includes(t.scheme)) {
      reason = `scheme ${t.scheme} is not allowed for ${t.host} (allowed: ${rule.schemes.join(", ")})`;
      continue;
    }
    if (rule.methods.length > 0 && !rule.methods.includes(t.method)) {
      reason = `method ${t.method} is not allowed for ${t.host}`;
      continue;
    }
    return { ok: true, rule };
  }
  return { ok: false, reason };
}

/** Loopback, private, link-local, unique-local, CGNAT, unspecified, multicast or reserved: not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split(".").map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const x = address.toLowerCase();
  return (
    x === "::" ||
    x === "::1" ||
    x.startsWith("fc") ||
    x.startsWith("fd") ||
    x.startsWith("fe8") ||
    x.startsWith("fe9") ||
    x.startsWith("fea") ||
    x.startsWith("feb") ||
    x.startsWith("ff") ||
    x.startsWith("64:ff9b:") ||
    x.startsWith("::ffff:")
  );
}

/**
 * Whether `address` (what the target's host resolved to) may be connected to under `rule`. A rule that names an
 * IP address, or `localhost`, is the operator asking for exactly that address: allowed. A rule naming a DNS name
 * only admits public addresses, because whoever controls that name's DNS could otherwise point it at the host's
 * own network (SSRF through DNS).
 */
export function addressAllowed(rule: NetworkRule, address: string): boolean {
  const r = rule.host.replace(/^\[|\]$/g, "");
  if (isIP(r) !== 0) return true;
  if (r === "localhost") return address === "::1" || /^(::ffff:)?127\./.test(address);
  return !isPrivateAddress(address);
}
