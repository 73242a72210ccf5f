// The JSON walk and hook targets shared by the content-scanning example plugins (example-plugins §3.0, §3.2):
// the same helpers as `cpex_sdk::walk` on the Rust side.

import { PluginError } from "../../src/core/index.js";

/** Rewrite the strings of `value` depth-first (keys untouched); `undefined` when nothing changed. */
export function rewriteStrings(
  value: unknown,
  maxDepth: number,
  depthCode: string,
  f: (s: string) => string | undefined,
  depth = 0,
): unknown {
  if (depth > maxDepth) throw new PluginError(`value nested deeper than ${maxDepth}`, { code: depthCode });
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((x, i) => {
      const n = rewriteStrings(x, maxDepth, depthCode, f, depth + 1);
      if (n === undefined) return;
      out ??= [...value];
      out[i] = n;
    });
    return out;
  }
  if (value !== null && typeof value === "object") {
    let out: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(value)) {
      const n = rewriteStrings(x, maxDepth, depthCode, f, depth + 1);
      if (n === undefined) continue;
      out ??= { ...(value as Record<string, unknown>) };
      out[k] = n;
    }
    return out;
  }
  return undefined;
}

export interface Target {
  readonly value: unknown;
  /** The payload with the target replaced. */
  replace(payload: Record<string, unknown>, next: unknown): Record<string, unknown>;
  /** How violations name it. */
  readonly where: string;
}

/** `args` (tool/prompt pre), `result` (tool post), `content.text` or a string `content` (resource post). */
export function targetFor(hook: string, payload: Record<string, unknown>): Target | undefined {
  const field = (name: string, where: string): Target => ({
    value: payload[name],
    replace: (p, next) => ({ ...p, [name]: next }),
    where,
  });
  if (hook === "tool_pre_invoke") return field("args", "tool arguments");
  if (hook === "prompt_pre_fetch") return field("args", "prompt arguments");
  if (hook === "tool_post_invoke") return field("result", "tool result");
  if (hook === "resource_post_fetch") {
    const c = payload["content"];
    if (typeof c === "string") return field("content", "resource content");
    if (c !== null && typeof c === "object" && typeof (c as Record<string, unknown>)["text"] === "string") {
      const content = c as Record<string, unknown>;
      return {
        value: content["text"],
        replace: (p, next) => ({ ...p, content: { ...content, text: next } }),
        where: "resource content",
      };
    }
  }
  return undefined;
}
