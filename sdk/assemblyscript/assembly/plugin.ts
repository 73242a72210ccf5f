// The `Plugin` base class and the ABI exports (docs/abi.md §1 and §4). A plugin extends `Plugin`, overrides the
// handlers of the hooks it declares, and registers one instance at the top level of its entry file; the entry
// re-exports `cpex_abi_version`, `cpex_init` and `cpex_handle` from the SDK. Top-level code runs in
// `_initialize` (the build exports the start function under that name), before the host calls `cpex_init`.

import { Extensions } from "./extensions";
import { Input, readInput, setError, setResult } from "./host";
import { decode } from "./msgpack-reader";
import { encode } from "./msgpack-writer";
import {
  Hooks,
  MessagePayload,
  PromptPosthookPayload,
  PromptPrehookPayload,
  ResourcePostFetchPayload,
  ResourcePreFetchPayload,
  ToolPostInvokePayload,
  ToolPreInvokePayload,
} from "./payloads";
import { PluginContext, PluginError, PluginResult } from "./types";
import { decodeUtf8, isValidUtf8 } from "./utf8";
import { Value, ValueMap } from "./value";

/** What a handler returns: a result, or an error for the operator's `on_error`. */
export class Outcome {
  constructor(
    public result: PluginResult | null,
    public error: PluginError | null,
  ) {}
  static ok(result: PluginResult): Outcome {
    return new Outcome(result, null);
  }
  static fail(error: PluginError): Outcome {
    return new Outcome(null, error);
  }
}

function unhandled(hook: string): Outcome {
  return Outcome.fail(new PluginError("unknown_hook", "this plugin does not handle hook '" + hook + "'"));
}

/**
 * A plugin. Override `init` (called once per instance with the YAML `config:`, nil when absent; return an error
 * to fail the load) and the handler of every hook the plugin declares. Fields persist across calls, until a trap
 * or limit hit makes the host start a fresh instance.
 */
export abstract class Plugin {
  init(_config: Value): PluginError | null {
    return null;
  }
  toolPreInvoke(_payload: ToolPreInvokePayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.TOOL_PRE_INVOKE);
  }
  toolPostInvoke(_payload: ToolPostInvokePayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.TOOL_POST_INVOKE);
  }
  promptPreFetch(_payload: PromptPrehookPayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.PROMPT_PRE_FETCH);
  }
  promptPostFetch(_payload: PromptPosthookPayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.PROMPT_POST_FETCH);
  }
  resourcePreFetch(_payload: ResourcePreFetchPayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.RESOURCE_PRE_FETCH);
  }
  resourcePostFetch(_payload: ResourcePostFetchPayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(Hooks.RESOURCE_POST_FETCH);
  }
  /** Every `cmf.*` hook; `hook` says which. */
  message(hook: string, _payload: MessagePayload, _ext: Extensions, _ctx: PluginContext): Outcome {
    return unhandled(hook);
  }
}

let registered: Plugin | null = null;
let ready = false;

/** Register the plugin instance (once, at the top level of the entry file). */
export function registerPlugin(plugin: Plugin): void {
  registered = plugin;
}

/** Report `error` through `error_set`; the caller returns non-zero. */
export function reportError(error: PluginError): i32 {
  const bytes = encode(error.toValue());
  if (bytes !== null) setError(bytes);
  return 1;
}

function decodeInput(item: Input, what: string, empty: Value): Value | null {
  const bytes = readInput(item);
  if (bytes.length === 0) return empty;
  const d = decode(bytes);
  if (d.error !== null) {
    reportError(new PluginError("invalid_input", "cannot decode " + what + ": " + d.error!));
    return null;
  }
  return d.value;
}

export function cpex_abi_version(): i32 {
  return 1;
}

export function cpex_init(): i32 {
  const plugin = registered;
  if (plugin === null) return reportError(new PluginError("not_registered", "no plugin was registered"));
  const config = decodeInput(Input.Config, "config", Value.nil());
  if (config === null) return 1;
  const error = plugin.init(config);
  if (error !== null) return reportError(error);
  ready = true;
  return 0;
}

function dispatch(
  plugin: Plugin,
  hook: string,
  payload: Value,
  ext: Extensions,
  ctx: PluginContext,
): Outcome {
  if (hook === Hooks.TOOL_PRE_INVOKE)
    return plugin.toolPreInvoke(ToolPreInvokePayload.from(payload), ext, ctx);
  if (hook === Hooks.TOOL_POST_INVOKE)
    return plugin.toolPostInvoke(ToolPostInvokePayload.from(payload), ext, ctx);
  if (hook === Hooks.PROMPT_PRE_FETCH)
    return plugin.promptPreFetch(PromptPrehookPayload.from(payload), ext, ctx);
  if (hook === Hooks.PROMPT_POST_FETCH)
    return plugin.promptPostFetch(PromptPosthookPayload.from(payload), ext, ctx);
  if (hook === Hooks.RESOURCE_PRE_FETCH)
    return plugin.resourcePreFetch(ResourcePreFetchPayload.from(payload), ext, ctx);
  if (hook === Hooks.RESOURCE_POST_FETCH)
    return plugin.resourcePostFetch(ResourcePostFetchPayload.from(payload), ext, ctx);
  if (hook.startsWith("cmf.")) return plugin.message(hook, MessagePayload.from(payload), ext, ctx);
  return unhandled(hook);
}

export function cpex_handle(): i32 {
  const plugin = registered;
  if (plugin === null || !ready)
    return reportError(new PluginError("not_initialized", "cpex_init did not succeed"));
  const name = readInput(Input.HookName);
  if (!isValidUtf8(name.dataStart, <usize>name.length))
    return reportError(new PluginError("invalid_input", "the hook name is not UTF-8"));
  const hook = decodeUtf8(name.dataStart, <usize>name.length);
  const payload = decodeInput(Input.Payload, "payload", Value.nil());
  if (payload === null) return 1;
  const extValue = decodeInput(Input.Extensions, "extensions", Value.newMap());
  if (extValue === null) return 1;
  const ctxValue = decodeInput(Input.Context, "context", Value.newMap());
  if (ctxValue === null) return 1;
  const local = ctxValue.get("local_state");
  const global = ctxValue.get("global_state");
  const ctx = new PluginContext(
    local !== null && local.isMap ? local.map! : new ValueMap(),
    global !== null && global.isMap ? global.map! : new ValueMap(),
  );
  const outcome = dispatch(plugin, hook, payload, Extensions.from(extValue), ctx);
  const error = outcome.error;
  if (error !== null) return reportError(error);
  const result = outcome.result;
  const wire = result !== null ? result.toValue() : PluginResult.allow().toValue();
  const context = ctx.toValue();
  if (context !== null) wire.set("context", context);
  const bytes = encode(Value.fromMap(wire));
  if (bytes === null)
    return reportError(
      new PluginError("invalid_result", "the result is nested deeper than the host accepts"),
    );
  setResult(bytes);
  return 0;
}
