// tool_tagger (example-plugins §3.3) as a native TypeScript plugin: labels and headers through extensions.

import {
  cowCopy,
  definePlugin,
  type JsonObject,
  MonotonicSet,
  type PluginFactory,
  PluginResult,
} from "../../src/core/index.js";

interface Rule {
  tools: string[];
  arg_keys?: string[];
  labels?: string[];
  headers?: Record<string, string>;
}
export interface ToolTaggerConfig {
  rules?: Rule[];
  static_headers?: Record<string, string>;
  request_id_header?: string | null;
  labels_header?: string | null;
  overwrite_headers?: boolean;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function checkHeaders(h: Record<string, string> | undefined, what: string): Array<[string, string]> {
  // Object.entries keeps insertion order for non-integer keys; header names are never integer-like.
  return Object.entries(h ?? {}).map(([k, v]) => {
    if (!TOKEN.test(k)) throw new Error(`tool_tagger: ${what}: '${k}' is not a valid header name`);
    if (/[\r\n]/.test(v)) throw new Error(`tool_tagger: ${what}.${k}: CR/LF in a header value`);
    return [k, v];
  });
}

/** Whole-string glob: `*` any run, `?` one Unicode scalar, case-sensitive. */
function glob(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    if (i < p.length && (p[i] === "?" || p[i] === t[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === "*") {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === "*") i++;
  return i === p.length;
}

export function createToolTagger(config: ToolTaggerConfig = {}) {
  const rules = (config.rules ?? []).map((r, i) => {
    if (!Array.isArray(r.tools) || r.tools.length === 0)
      throw new Error(`tool_tagger: rules[${i}].tools: must not be empty`);
    return { ...r, headers: checkHeaders(r.headers, `rules[${i}].headers`) };
  });
  const staticHeaders = checkHeaders(config.static_headers, "static_headers");
  for (const k of ["request_id_header", "labels_header"] as const) {
    const v = config[k];
    if (v !== undefined && v !== null && !TOKEN.test(v))
      throw new Error(`tool_tagger: ${k}: not a valid header name`);
  }

  return definePlugin({
    name: "tool_tagger",
    hooks: {
      tool_pre_invoke(p, ext) {
        const args = p.args !== null && typeof p.args === "object" && !Array.isArray(p.args) ? p.args : {};
        const matched = rules.flatMap((r, i) =>
          r.tools.some((g) => glob(g, p.name)) &&
          ((r.arg_keys ?? []).length === 0 || (r.arg_keys ?? []).some((k) => Object.hasOwn(args, k)))
            ? [i]
            : [],
        );
        const existing = [...(ext.security?.labels ?? [])];
        const added: string[] = [];
        for (const i of matched) {
          for (const l of rules[i]!.labels ?? []) {
            if (![...existing, ...added].some((e) => lower(e) === lower(l))) added.push(l);
          }
        }
        const final = [...existing, ...added];
        let headersChanged = false;
        const work = new Map<string, string>();
        if (ext.http !== undefined) {
          for (const [k, v] of Object.entries(ext.http.requestHeaders ?? {})) work.set(k, v);
          const ops: Array<[string, string]> = [
            ...staticHeaders,
            ...matched.flatMap((i) => rules[i]!.headers),
          ];
          const id = ext.request?.requestId;
          if (config.request_id_header && typeof id === "string" && id !== "")
            ops.push([config.request_id_header, id]);
          if (config.labels_header && final.length > 0) {
            const sorted = [...new Set(final)].sort((a, b) =>
              Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0,
            );
            ops.push([config.labels_header, sorted.join(",")]);
          }
          for (const [n, v] of ops) {
            const existingKey = [...work.keys()].find((k) => lower(k) === lower(n));
            if (existingKey !== undefined && !config.overwrite_headers) continue;
            if (existingKey !== undefined) work.delete(existingKey);
            work.set(n, v);
          }
          const original = ext.http.requestHeaders ?? {};
          headersChanged =
            work.size !== Object.keys(original).length || [...work].some(([k, v]) => original[k] !== v);
        }
        if (added.length === 0 && !headersChanged) return undefined;
        const owned = cowCopy(ext);
        if (added.length > 0 && owned.security !== undefined)
          for (const l of added) owned.security.labels.add(l);
        // No security slot in the view: create the label list (the merge accepts it with append_labels).
        if (added.length > 0 && owned.security === undefined)
          owned.security = { labels: new MonotonicSet(added) };
        if (headersChanged && owned.http !== undefined) owned.http.requestHeaders = Object.fromEntries(work);
        return {
          ...PluginResult.modifyExtensions(owned),
          metadata: { tool_tagger: { matched_rules: matched, labels_added: added } } as JsonObject,
        };
      },
    },
  });
}

export const toolTaggerFactory: PluginFactory = {
  create: (config) => createToolTagger((config.config ?? {}) as ToolTaggerConfig),
};
