// secrets_scanner (example-plugins §3.4) as a native TypeScript plugin. Case-insensitive detectors run on an
// ASCII-lowercased copy; flags `gu` (ASCII `\b`), never `i`; `d` for capture-group spans.

import { definePlugin, type JsonObject, type PluginFactory, PluginResult } from "../../src/core/index.js";
import { rewriteStrings, targetFor } from "./content-walk.js";

interface Detector {
  name: string;
  on: boolean;
  ci: boolean;
  group: boolean;
  spec: number;
  pattern: string;
}

const DETECTORS: readonly Detector[] = [
  {
    name: "aws_access_key_id",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern: "\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b",
  },
  {
    name: "aws_secret_access_key",
    on: true,
    ci: true,
    group: true,
    spec: 0,
    pattern: "aws[^\\n]{0,20}(?:secret|access)[^\\n]{0,20}[:=][ \\t]*[\"']?([a-z0-9/+=]{40})[\"']?",
  },
  {
    name: "github_token",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern: "\\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{20,})\\b",
  },
  {
    name: "google_api_key",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern: "\\bAIza[0-9A-Za-z_-]{35}\\b",
  },
  {
    name: "slack_token",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern: "\\bxox[abpqr]-[0-9A-Za-z-]{10,80}\\b",
  },
  {
    name: "stripe_secret_key",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern: "\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\\b",
  },
  {
    name: "private_key_block",
    on: true,
    ci: false,
    group: false,
    spec: 0,
    pattern:
      "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\\r\\n\\t :,.-]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?",
  },
  {
    name: "jwt",
    on: false,
    ci: false,
    group: false,
    spec: 1,
    pattern: "\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\b",
  },
  {
    name: "generic_api_key",
    on: false,
    ci: true,
    group: true,
    spec: 1,
    pattern:
      "\\b(?:x[-_])?(?:api[-_]?key|apikey|api[-_]?token|access[-_]?token|auth[-_]?token|bearer[-_]?token|client[-_]?secret)\\b[\"']?[ \\t]*[:=][ \\t]*[\"']?([a-z0-9_-]{20,})[\"']?",
  },
  { name: "hex_secret_32", on: false, ci: true, group: false, spec: 2, pattern: "\\b[0-9a-f]{32,}\\b" },
];

export interface SecretsConfig {
  enabled?: Record<string, boolean>;
  redact?: boolean;
  redaction_text?: string;
  block_on_detection?: boolean;
  min_findings_to_block?: number;
  max_depth?: number;
}

interface Span {
  start: number;
  end: number;
  spec: number;
  name: string;
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function createSecretsScanner(config: SecretsConfig = {}) {
  for (const k of Object.keys(config.enabled ?? {})) {
    if (!DETECTORS.some((d) => d.name === k))
      throw new Error(`secrets_scanner: enabled: unknown detector '${k}'`);
  }
  const active = DETECTORS.filter((d) => config.enabled?.[d.name] ?? d.on).map((d) => ({
    ...d,
    re: new RegExp(d.pattern, "gud"),
  }));
  const redact = config.redact ?? false;
  const redaction = config.redaction_text ?? "***REDACTED***";
  const block = config.block_on_detection ?? true;
  const minFindings = config.min_findings_to_block ?? 1;
  if (!Number.isInteger(minFindings) || minFindings < 1)
    throw new Error("secrets_scanner: min_findings_to_block: expected an integer >= 1");
  const maxDepth = config.max_depth ?? 32;

  function spans(s: string): Span[] {
    const low = asciiLower(s);
    const cands: Span[] = [];
    for (const d of active) {
      for (const m of (d.ci ? low : s).matchAll(d.re)) {
        const span = d.group ? m.indices?.[1] : m.indices?.[0];
        if (span !== undefined) cands.push({ start: span[0], end: span[1], spec: d.spec, name: d.name });
      }
    }
    cands.sort(
      (a, b) =>
        a.start - b.start ||
        a.spec - b.spec ||
        b.end - b.start - (a.end - a.start) ||
        byteOrder(a.name, b.name),
    );
    const out: Span[] = [];
    for (const c of cands) {
      const cur = out[out.length - 1];
      if (cur === undefined || c.start >= cur.end) {
        out.push({ ...c });
        continue;
      }
      if (c.spec < cur.spec || (c.spec === cur.spec && c.end - c.start > cur.end - cur.start)) {
        cur.name = c.name;
        cur.spec = c.spec;
      }
      if (c.end > cur.end) cur.end = c.end;
    }
    return out;
  }

  function run(hook: string, payload: Record<string, unknown>) {
    const target = targetFor(hook, payload);
    if (target === undefined || target.value === undefined || target.value === null) return undefined;
    const names: string[] = [];
    const rewritten = rewriteStrings(target.value, maxDepth, "secrets.max_depth", (s) => {
      const found = spans(s);
      if (found.length === 0) return undefined;
      names.push(...found.map((f) => f.name));
      if (!redact) return undefined;
      let out = "";
      let last = 0;
      for (const f of found) {
        out += s.slice(last, f.start) + redaction;
        last = f.end;
      }
      return out + s.slice(last);
    });
    if (names.length === 0) return undefined;
    const types = [...new Set(names)].sort(byteOrder);
    if (block && names.length >= minFindings) {
      return PluginResult.deny({
        code: "SECRETS_DETECTED",
        reason: "Secrets detected",
        description: `Potential secrets detected in ${target.where}`,
        details: { count: names.length, types },
      });
    }
    const metadata = { secrets_scanner: { count: names.length, types, redacted: redact } } as JsonObject;
    if (!redact) return { continueProcessing: true, metadata };
    return {
      ...PluginResult.modifyPayload(target.replace(payload, rewritten ?? target.value) as never),
      metadata,
    };
  }

  const handler = (hook: string) => (p: object) => run(hook, p as Record<string, unknown>);
  return definePlugin({
    name: "secrets_scanner",
    hooks: {
      tool_pre_invoke: handler("tool_pre_invoke"),
      prompt_pre_fetch: handler("prompt_pre_fetch"),
      tool_post_invoke: handler("tool_post_invoke"),
      resource_post_fetch: handler("resource_post_fetch"),
    },
  });
}

export const secretsScannerFactory: PluginFactory = {
  create: (config) => createSecretsScanner((config.config ?? {}) as SecretsConfig),
};
