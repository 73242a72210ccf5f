// Typed payloads of the built-in hooks, with the CPEX names (the Rust SDK's payload structs). Each is read from
// the decoded MessagePack payload with `from`, and turned back into a value with `toValue` for
// `PluginResult.modifyPayload`. Fields the type does not name are kept in `raw`, so a modified payload loses
// nothing it did not mean to change.

import { Kind, Value, ValueMap } from "./value";

/** The names of the built-in hooks. */
export namespace Hooks {
  export const TOOL_PRE_INVOKE = "tool_pre_invoke";
  export const TOOL_POST_INVOKE = "tool_post_invoke";
  export const PROMPT_PRE_FETCH = "prompt_pre_fetch";
  export const PROMPT_POST_FETCH = "prompt_post_fetch";
  export const RESOURCE_PRE_FETCH = "resource_pre_fetch";
  export const RESOURCE_POST_FETCH = "resource_post_fetch";
  export const CMF_TOOL_PRE_INVOKE = "cmf.tool_pre_invoke";
  export const CMF_TOOL_POST_INVOKE = "cmf.tool_post_invoke";
  export const CMF_LLM_INPUT = "cmf.llm_input";
  export const CMF_LLM_OUTPUT = "cmf.llm_output";
}

function mapOf(v: Value): ValueMap {
  const m = v.map;
  return v.kind === Kind.Map && m !== null ? m : new ValueMap();
}
/** A string field; a missing or non-string value reads as "" (as CPEX hosts treat a missing name or uri). */
function str(m: ValueMap, key: string): string {
  const v = m.get(key);
  return v !== null && v.kind === Kind.Str ? v.str : "";
}
/** A map field, or null when absent or not a map. */
function optMap(m: ValueMap, key: string): ValueMap | null {
  const v = m.get(key);
  return v !== null && v.kind === Kind.Map ? v.map : null;
}
function field(m: ValueMap, key: string): Value {
  const v = m.get(key);
  return v !== null ? v : Value.nil();
}
/** A copy of `raw` with `key` set, or removed when `value` is null. */
function withField(raw: ValueMap, key: string, value: Value | null): ValueMap {
  const out = new ValueMap();
  for (let i = 0; i < raw.size; i++) out.set(raw.keys[i], raw.values[i]);
  if (value === null) out.delete(key);
  else out.set(key, value);
  return out;
}

/** `tool_pre_invoke`: `{ name, args?, headers? }`. */
export class ToolPreInvokePayload {
  name: string = "";
  /** Tool arguments; null when absent or not a map. */
  args: ValueMap | null = null;
  headers: ValueMap | null = null;
  raw: ValueMap = new ValueMap();

  static from(v: Value): ToolPreInvokePayload {
    const p = new ToolPreInvokePayload();
    p.raw = mapOf(v);
    p.name = str(p.raw, "name");
    p.args = optMap(p.raw, "args");
    p.headers = optMap(p.raw, "headers");
    return p;
  }
  toValue(): Value {
    let m = withField(this.raw, "name", Value.fromString(this.name));
    const args = this.args;
    m = withField(m, "args", args !== null ? Value.fromMap(args) : null);
    const headers = this.headers;
    m = withField(m, "headers", headers !== null ? Value.fromMap(headers) : null);
    return Value.fromMap(m);
  }
}

/** `tool_post_invoke`: `{ name, result }`. */
export class ToolPostInvokePayload {
  name: string = "";
  result: Value = Value.nil();
  raw: ValueMap = new ValueMap();

  static from(v: Value): ToolPostInvokePayload {
    const p = new ToolPostInvokePayload();
    p.raw = mapOf(v);
    p.name = str(p.raw, "name");
    p.result = field(p.raw, "result");
    return p;
  }
  toValue(): Value {
    return Value.fromMap(
      withField(withField(this.raw, "name", Value.fromString(this.name)), "result", this.result),
    );
  }
}

/** `prompt_pre_fetch`: `{ prompt_id, args? }`. */
export class PromptPrehookPayload {
  promptId: string = "";
  args: ValueMap | null = null;
  raw: ValueMap = new ValueMap();

  static from(v: Value): PromptPrehookPayload {
    const p = new PromptPrehookPayload();
    p.raw = mapOf(v);
    p.promptId = str(p.raw, "prompt_id");
    p.args = optMap(p.raw, "args");
    return p;
  }
  toValue(): Value {
    const args = this.args;
    const m = withField(this.raw, "prompt_id", Value.fromString(this.promptId));
    return Value.fromMap(withField(m, "args", args !== null ? Value.fromMap(args) : null));
  }
}

/** `prompt_post_fetch`: `{ prompt_id, result }`. */
export class PromptPosthookPayload {
  promptId: string = "";
  result: Value = Value.nil();
  raw: ValueMap = new ValueMap();

  static from(v: Value): PromptPosthookPayload {
    const p = new PromptPosthookPayload();
    p.raw = mapOf(v);
    p.promptId = str(p.raw, "prompt_id");
    p.result = field(p.raw, "result");
    return p;
  }
  toValue(): Value {
    const m = withField(this.raw, "prompt_id", Value.fromString(this.promptId));
    return Value.fromMap(withField(m, "result", this.result));
  }
}

/** `resource_pre_fetch`: `{ uri, metadata? }`. */
export class ResourcePreFetchPayload {
  uri: string = "";
  metadata: ValueMap | null = null;
  raw: ValueMap = new ValueMap();

  static from(v: Value): ResourcePreFetchPayload {
    const p = new ResourcePreFetchPayload();
    p.raw = mapOf(v);
    p.uri = str(p.raw, "uri");
    p.metadata = optMap(p.raw, "metadata");
    return p;
  }
  toValue(): Value {
    const metadata = this.metadata;
    const m = withField(this.raw, "uri", Value.fromString(this.uri));
    return Value.fromMap(withField(m, "metadata", metadata !== null ? Value.fromMap(metadata) : null));
  }
}

/** `resource_post_fetch`: `{ uri, content }`. */
export class ResourcePostFetchPayload {
  uri: string = "";
  content: Value = Value.nil();
  raw: ValueMap = new ValueMap();

  static from(v: Value): ResourcePostFetchPayload {
    const p = new ResourcePostFetchPayload();
    p.raw = mapOf(v);
    p.uri = str(p.raw, "uri");
    p.content = field(p.raw, "content");
    return p;
  }
  toValue(): Value {
    const m = withField(this.raw, "uri", Value.fromString(this.uri));
    return Value.fromMap(withField(m, "content", this.content));
  }
}

/** `cmf.*` hooks: `{ message }`, the CMF message kept as a value (content parts tagged by `content_type`). */
export class MessagePayload {
  message: Value = Value.nil();
  raw: ValueMap = new ValueMap();

  static from(v: Value): MessagePayload {
    const p = new MessagePayload();
    p.raw = mapOf(v);
    p.message = field(p.raw, "message");
    return p;
  }
  toValue(): Value {
    return Value.fromMap(withField(this.raw, "message", this.message));
  }
}
