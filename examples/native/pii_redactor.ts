// pii_redactor (example-plugins §3.2) as a native TypeScript plugin. Patterns use the portable dialect: flags `gu`
// (in `u` mode without `i`, `\b` is an ASCII word boundary), never `i`.

import {
  definePlugin,
  type JsonObject,
  PluginError,
  type PluginFactory,
  PluginResult,
} from "../../src/core/index.js";
import { rewriteStrings, targetFor } from "./content-walk.js";

const NAMES = ["ssn", "credit_card", "email", "phone", "ipv4"] as const;
type Strategy = "redact" | "partial" | "tag";
const PATTERNS: readonly (readonly string[])[] = [
  ["\\b([0-9]{3})-([0-9]{2})-([0-9]{4})\\b"],
  ["\\b(?:[0-9][ -]?){12,18}[0-9]\\b"],
  ["\\b[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}\\b"],
  [
    "(?:\\+1[-. ]?|\\b1[-. ])?(?:\\([0-9]{3}\\)|\\b[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}\\b",
    "\\+[1-9][0-9]{9,14}\\b",
  ],
  [
    "\\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\b",
  ],
];

export interface PiiConfig {
  detectors?: string[];
  default_strategy?: Strategy;
  strategies?: Record<string, Strategy>;
  redaction_text?: string;
  allow_values?: string[];
  block_on_detection?: boolean;
  max_depth?: number;
  max_string_bytes?: number;
}

const digits = (s: string) => s.replace(/[^0-9]/g, "");
function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let v = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0;
}
function cardOk(m: string): boolean {
  const d = digits(m);
  const n = d.length;
  if (n < 13 || n > 19 || !luhn(d)) return false;
  const p = (k: number) => Number(d.slice(0, k));
  return (
    (d.startsWith("4") && (n === 13 || n === 16 || n === 19)) ||
    ((d.startsWith("34") || d.startsWith("37")) && n === 15) ||
    (((p(2) >= 51 && p(2) <= 55) || (p(4) >= 2221 && p(4) <= 2720)) && n === 16) ||
    ((d.startsWith("6011") || d.startsWith("65")) && (n === 16 || n === 19)) ||
    ((d.startsWith("36") || d.startsWith("38") || d.startsWith("39") || (p(3) >= 300 && p(3) <= 305)) &&
      n === 14) ||
    (p(4) >= 3528 && p(4) <= 3589 && n === 16) ||
    (d.startsWith("62") && n >= 16 && n <= 19)
  );
}
function ssnOk(m: string): boolean {
  const [a, g, s] = m.split("-");
  return a !== "000" && a !== "666" && !a!.startsWith("9") && g !== "00" && s !== "0000";
}

export function createPiiRedactor(config: PiiConfig = {}) {
  const enabled = (config.detectors ?? [...NAMES]).map((d) => {
    const rank = (NAMES as readonly string[]).indexOf(d);
    if (rank < 0) throw new Error(`pii_redactor: detectors: unknown detector '${d}'`);
    return rank;
  });
  const ranks = [...new Set(enabled)].sort((a, b) => a - b);
  const check = (s: unknown, what: string): Strategy => {
    if (s !== "redact" && s !== "partial" && s !== "tag")
      throw new Error(`pii_redactor: ${what}: expected redact, partial or tag`);
    return s;
  };
  const def = check(config.default_strategy ?? "redact", "default_strategy");
  const strategies = NAMES.map((n) =>
    config.strategies?.[n] === undefined ? def : check(config.strategies[n], `strategies.${n}`),
  );
  const redaction = config.redaction_text ?? "[REDACTED]";
  const allow = new Set(config.allow_values ?? []);
  const maxDepth = config.max_depth ?? 32;
  const maxBytes = config.max_string_bytes ?? 1_048_576;
  const detectors = ranks.map((rank) => ({
    rank,
    patterns: PATTERNS[rank]!.map((p) => new RegExp(p, "gu")),
  }));
  const last4 = (d: string) => d.slice(-4);

  function mask(rank: number, m: string): string {
    const s = strategies[rank]!;
    if (s === "redact") return redaction;
    if (s === "tag") return `[${NAMES[rank]!.toUpperCase()}]`;
    switch (rank) {
      case 0:
        return `***-**-${last4(digits(m))}`;
      case 1:
        return `****-****-****-${last4(digits(m))}`;
      case 3:
        return `***-***-${last4(digits(m))}`;
      case 2: {
        const at = m.indexOf("@");
        const local = [...m.slice(0, at)];
        const domain = m.slice(at);
        return local.length > 2 ? `${local[0]}***${local[local.length - 1]}${domain}` : `***${domain}`;
      }
      default:
        return `${m.split(".")[0]}.***.***.***`;
    }
  }

  function scan(s: string): [string, number[]] {
    const cands: Array<[number, number, number, number]> = [];
    for (const d of detectors) {
      d.patterns.forEach((re, pi) => {
        for (const m of s.matchAll(re)) {
          const text = m[0];
          const valid = d.rank === 0 ? ssnOk(text) : d.rank === 1 ? cardOk(text) : true;
          if (valid && !allow.has(text)) cands.push([m.index!, m.index! + text.length, d.rank, pi]);
        }
      });
    }
    cands.sort((a, b) => a[0] - b[0] || b[1] - b[0] - (a[1] - a[0]) || a[2] - b[2] || a[3] - b[3]);
    let out = "";
    let last = 0;
    const kept: number[] = [];
    for (const [start, end, rank] of cands) {
      if (start < last) continue;
      out += s.slice(last, start) + mask(rank, s.slice(start, end));
      last = end;
      kept.push(rank);
    }
    return [out + s.slice(last), kept];
  }

  function run(hook: string, payload: Record<string, unknown>) {
    const target = targetFor(hook, payload);
    if (target === undefined || target.value === undefined || target.value === null) return undefined;
    const found: number[] = [];
    const rewritten = rewriteStrings(target.value, maxDepth, "pii.max_depth", (s) => {
      if (Buffer.byteLength(s) > maxBytes) {
        throw new PluginError(`a string exceeds ${maxBytes} bytes`, { code: "pii.string_too_large" });
      }
      const [text, kept] = scan(s);
      if (kept.length === 0) return undefined;
      found.push(...kept);
      return text;
    });
    if (found.length === 0) return undefined;
    const types = [...new Set(found.map((r) => NAMES[r]!))].sort();
    if (config.block_on_detection) {
      return PluginResult.deny({
        code: "PII_DETECTED",
        reason: "PII detected",
        description: `Sensitive information detected in ${target.where}`,
        details: { detected_types: types, count: found.length },
      });
    }
    return {
      // `never`: the payload type is the hook's, which this shared handler does not name.
      ...PluginResult.modifyPayload(target.replace(payload, rewritten ?? target.value) as never),
      metadata: { pii_redactor: { total_detections: found.length, detection_types: types } } as JsonObject,
    };
  }

  const handler = (hook: string) => (p: object) => run(hook, p as Record<string, unknown>);
  return definePlugin({
    name: "pii_redactor",
    hooks: {
      tool_pre_invoke: handler("tool_pre_invoke"),
      prompt_pre_fetch: handler("prompt_pre_fetch"),
      tool_post_invoke: handler("tool_post_invoke"),
      resource_post_fetch: handler("resource_post_fetch"),
    },
  });
}

export const piiRedactorFactory: PluginFactory = {
  create: (config) => createPiiRedactor((config.config ?? {}) as PiiConfig),
};
