// Native (in-process, trusted) plugins used by the demo: one denies, one modifies, one tags via extensions, one
// audits and one reports in the background.

import {
  cowCopy,
  definePlugin,
  type PluginFactory,
  PluginResult,
  type ToolPreInvokePayload,
} from "../../src/core/index.js";

const DANGEROUS = new Set(["shell_exec", "delete_database"]);
const SECRET_ARGS = /^(password|api_key|token|secret)$/i;

export const demoFactories: Record<string, PluginFactory> = {
  "demo/tool_guard": {
    create: () =>
      definePlugin({
        hooks: {
          tool_pre_invoke(p) {
            if (!DANGEROUS.has(p.name)) return;
            return PluginResult.deny({
              code: "tool_blocked",
              reason: `tool '${p.name}' is not allowed`,
              details: { tool: p.name },
            });
          },
        },
      }),
  },
  "demo/arg_redactor": {
    create: () =>
      definePlugin({
        hooks: {
          tool_pre_invoke(p: ToolPreInvokePayload) {
            const args = p.args ?? {};
            const secret = Object.keys(args).filter((k) => SECRET_ARGS.test(k));
            if (secret.length === 0) return;
            const masked = { ...args };
            for (const k of secret) masked[k] = "***";
            return PluginResult.modifyPayload({ ...p, args: masked });
          },
        },
      }),
  },
  "demo/tagger": {
    create: () =>
      definePlugin({
        hooks: {
          tool_pre_invoke(p, ext) {
            const owned = cowCopy(ext);
            if (owned.security === undefined || owned.http === undefined) return;
            owned.security.labels.add(`tool:${p.name}`);
            owned.http.requestHeaders["x-cpex-tool"] = p.name;
            return PluginResult.modifyExtensions(owned);
          },
        },
      }),
  },
  "demo/audit": {
    create: () => definePlugin({ hooks: { tool_pre_invoke() {}, tool_post_invoke() {} } }),
  },
  "demo/metrics": {
    create: () =>
      definePlugin({
        hooks: {
          async tool_post_invoke() {
            await new Promise((r) => setTimeout(r, 1));
          },
        },
      }),
  },
};
