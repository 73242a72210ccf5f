// Hook names and payload shapes (docs/configuration.md, "Hook names"). A hook is an open string name; the
// interfaces below type the built-in ones. Register a custom hook's payload type by declaration merging:
//
//   declare module "cpex" { interface HookPayloads { email_pre_send: { to: string; body: string } } }

export interface ToolPreInvokePayload {
  name: string;
  args?: Record<string, unknown>;
  headers?: Record<string, string>;
}
export interface ToolPostInvokePayload {
  name: string;
  result: unknown;
}
export interface PromptPrehookPayload {
  prompt_id: string;
  args?: Record<string, string>;
}
export interface PromptPosthookPayload {
  prompt_id: string;
  result: unknown;
}
export interface ResourcePreFetchPayload {
  uri: string;
  metadata?: Record<string, unknown>;
}
export interface ResourcePostFetchPayload {
  uri: string;
  content: unknown;
}

/** CMF message model. `ContentPart` is tagged by `content_type`. */
export type Role = "system" | "developer" | "user" | "assistant" | "tool";
export type ContentPart =
  | { content_type: "text"; text: string }
  | { content_type: "thinking"; text: string }
  | {
      content_type: "tool_call";
      content: { tool_call_id: string; name: string; arguments: Record<string, unknown>; namespace?: string };
    }
  | {
      content_type: "tool_result";
      content: { tool_call_id: string; tool_name: string; content: unknown; is_error: boolean };
    }
  | { content_type: "resource"; content: Record<string, unknown> & { uri: string; resource_type: string } }
  | {
      content_type: "resource_ref";
      content: Record<string, unknown> & { uri: string; resource_type: string };
    }
  | { content_type: "prompt_request"; content: Record<string, unknown> & { name: string } }
  | { content_type: "prompt_result"; content: Record<string, unknown> & { prompt_name: string } }
  | { content_type: "image" | "video" | "audio" | "document"; content: Record<string, unknown> };
export interface Message {
  schema_version?: string;
  role: Role;
  content: ContentPart[];
  channel?: "analysis" | "commentary" | "final";
}
export interface MessagePayload {
  message: Message;
}

export interface IdentityPayload {
  source: string;
  source_header?: string;
  headers: Record<string, string>;
  client_host?: string;
  client_port?: number;
  [output: string]: unknown;
}
export interface DelegationPayload {
  target_name: string;
  target_type?: string;
  target_audience?: string;
  required_permissions: string[];
  trust_domain?: string;
  auth_enforced_by?: string;
  [output: string]: unknown;
}

/** Hook name → payload type. Extend by declaration merging for custom hooks. */
export interface HookPayloads {
  tool_pre_invoke: ToolPreInvokePayload;
  tool_post_invoke: ToolPostInvokePayload;
  prompt_pre_fetch: PromptPrehookPayload;
  prompt_post_fetch: PromptPosthookPayload;
  resource_pre_fetch: ResourcePreFetchPayload;
  resource_post_fetch: ResourcePostFetchPayload;
  "cmf.tool_pre_invoke": MessagePayload;
  "cmf.tool_post_invoke": MessagePayload;
  "cmf.llm_input": MessagePayload;
  "cmf.llm_output": MessagePayload;
  "cmf.prompt_pre_fetch": MessagePayload;
  "cmf.prompt_post_fetch": MessagePayload;
  "cmf.resource_pre_fetch": MessagePayload;
  "cmf.resource_post_fetch": MessagePayload;
  "cmf.http_request": MessagePayload;
  "identity.resolve": IdentityPayload;
  identity_resolve: IdentityPayload;
  "token.delegate": DelegationPayload;
  token_delegate: DelegationPayload;
}

/** The payload type of a hook name: typed for known hooks, `unknown` for any other name. */
export type PayloadOf<H extends string> = H extends keyof HookPayloads ? HookPayloads[H] : unknown;

export const BUILTIN_HOOKS: readonly string[] = Object.freeze([
  "tool_pre_invoke",
  "tool_post_invoke",
  "prompt_pre_fetch",
  "prompt_post_fetch",
  "resource_pre_fetch",
  "resource_post_fetch",
  "identity_resolve",
  "token_delegate",
  "cmf.tool_pre_invoke",
  "cmf.tool_post_invoke",
  "cmf.llm_input",
  "cmf.llm_output",
  "cmf.prompt_pre_fetch",
  "cmf.prompt_post_fetch",
  "cmf.resource_pre_fetch",
  "cmf.resource_post_fetch",
  "cmf.http_request",
  "identity.resolve",
  "token.delegate",
]);

export type EntityKind = "tool" | "llm" | "prompt" | "resource";
export type HookPhase = "pre" | "post" | "unphased";
export interface HookMetadata {
  readonly entityType?: EntityKind;
  readonly phase: HookPhase;
}

const metadata = new Map<string, HookMetadata>();
for (const [entity, pre, post] of [
  ["tool", "cmf.tool_pre_invoke", "cmf.tool_post_invoke"],
  ["llm", "cmf.llm_input", "cmf.llm_output"],
  ["prompt", "cmf.prompt_pre_fetch", "cmf.prompt_post_fetch"],
  ["resource", "cmf.resource_pre_fetch", "cmf.resource_post_fetch"],
] as const) {
  metadata.set(pre, { entityType: entity, phase: "pre" });
  metadata.set(post, { entityType: entity, phase: "post" });
}
metadata.set("identity.resolve", { phase: "unphased" });
metadata.set("token.delegate", { phase: "unphased" });

// The hook registry: the single source of truth for which hook names a config may name. Built-in hooks are always
// known; an embedding application adds its own with registerHook() before loading a config that uses them.
const known = new Set<string>(BUILTIN_HOOKS);

/**
 * Declare a custom hook name (and optionally its routing metadata), so configs loaded afterwards may list it in
 * `hooks:`. Process-wide and idempotent; registering a built-in name only updates its metadata. Programmatic
 * `PluginManager.register()`/`registerHandler()` need no prior registration: only config loading checks names.
 */
export function registerHook(hook: string, meta?: HookMetadata): void {
  if (typeof hook !== "string" || hook.trim() === "" || hook !== hook.trim()) {
    throw new TypeError(
      `hook name must be a non-empty string without surrounding spaces, got '${String(hook)}'`,
    );
  }
  known.add(hook);
  if (meta !== undefined) metadata.set(hook, meta);
}

/** Whether a config may name `hook`: built-in or registered with registerHook(). */
export function isKnownHook(hook: string): boolean {
  return known.has(hook);
}

/** Every hook name a config may use, built-ins first, then registrations in order. */
export function knownHooks(): readonly string[] {
  return [...known];
}

/** Routing aid: entity type and pre/post phase of a hook; unknown names are `{ phase: "unphased" }`. */
export function hookMetadata(hook: string): HookMetadata {
  return metadata.get(hook) ?? { phase: "unphased" };
}

/** Add or override a hook's metadata (hosts that define their own hooks); also registers the name. */
export function registerHookMetadata(hook: string, meta: HookMetadata): void {
  registerHook(hook, meta);
}

// ---- typed invoke ------------------------------------------------------------------------------------------

/** The namespaces of the built-in hooks. A literal name in one of them that no HookPayloads entry has is a typo. */
type BuiltinNamespace =
  | `tool_${string}`
  | `prompt_${string}`
  | `resource_${string}`
  | `cmf.${string}`
  | `identity${string}`
  | `token${string}`;

/**
 * `unknown` for a name `PluginManager.invoke` accepts as a custom hook, `never` otherwise: a built-in name (its
 * payload is typed by the other overload) or a literal in a built-in's namespace that is not a hook
 * (`tool_pre_invok`). A plain `string` is accepted (names known only at run time). Declare a custom hook in
 * HookPayloads (see the top of this file) to have its payload typed too.
 */
export type CustomHookCheck<H extends string> = string extends H
  ? unknown
  : H extends keyof HookPayloads
    ? never
    : H extends BuiltinNamespace
      ? never
      : unknown;

/**
 * What `PluginManager.invoke` accepts as the payload of a typed hook: the payload type with every field optional.
 * Field types are checked, and so are unknown fields of an object literal (`{ nmae: "x" }` does not compile);
 * required fields are not, because hosts forward partial payloads and the runtime never required them.
 */
export type HookPayloadInput<H extends keyof HookPayloads> = Partial<HookPayloads[H]>;
