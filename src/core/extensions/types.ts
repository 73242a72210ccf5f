// Extension slots (docs/configuration.md, "Capabilities"), camelCase in TypeScript. On the wire (MessagePack/JSON) the same slots use
// the CPEX snake_case names; see wire.ts for the converters.
//
// Slots handed to plugins are frozen: immutable slots keep their identity from the canonical container, which is
// how the merge detects tampering (`===`). A plugin that wants to write uses `cowCopy(view)`.

import type { JsonObject, JsonValue } from "../config/types.js";
import type { MonotonicSet } from "./monotonic.js";

export type { JsonObject, JsonValue };

export const READ_CAPABILITIES = [
  "read_subject",
  "read_roles",
  "read_teams",
  "read_claims",
  "read_permissions",
  "read_client",
  "read_workload",
  "read_agent",
  "read_headers",
  "read_labels",
  "read_delegation",
  "read_inbound_credentials",
  "read_delegated_tokens",
] as const;
export const WRITE_CAPABILITIES = [
  "write_headers",
  "append_labels",
  "append_delegation",
  "write_candidate_constraint",
] as const;
export type ReadCapability = (typeof READ_CAPABILITIES)[number];
export type WriteCapability = (typeof WRITE_CAPABILITIES)[number];
/** Capability names the core enforces. Plugins may declare others (accepted, no effect in the core). */
export type Capability = ReadCapability | WriteCapability;
export const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set<string>([
  ...READ_CAPABILITIES,
  ...WRITE_CAPABILITIES,
]);

/** Capabilities as handed to extension functions: a set, or any iterable (converted once). */
export type CapabilityInput = ReadonlySet<string> | Iterable<string>;

export type StringMap = Readonly<Record<string, string>>;

export interface RequestExtension {
  readonly environment?: string;
  readonly requestId?: string;
  readonly timestamp?: string;
  readonly traceId?: string;
  readonly spanId?: string;
}

export interface ConversationContext {
  readonly history?: readonly JsonValue[];
  readonly summary?: string;
  readonly topics?: readonly string[];
}

export interface AgentExtension {
  readonly input?: string;
  readonly sessionId?: string;
  readonly conversationId?: string;
  readonly turn?: number;
  readonly agentId?: string;
  readonly parentAgentId?: string;
  readonly conversation?: ConversationContext;
}

export interface HttpExtension {
  readonly requestHeaders?: StringMap;
  readonly responseHeaders?: StringMap;
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly scheme?: string;
}

/** user | agent | service | system | other strings. */
export type SubjectType = string;

export interface SubjectExtension {
  readonly id?: string;
  readonly subjectType?: SubjectType;
  readonly roles?: readonly string[];
  readonly permissions?: readonly string[];
  readonly teams?: readonly string[];
  readonly claims?: StringMap;
}

export interface ClientExtension {
  readonly clientId: string;
  readonly clientName?: string;
  /** first_party | third_party | internal | other strings. */
  readonly trustLevel?: string;
  readonly authorizedScopes?: readonly string[];
  readonly authorizedAudiences?: readonly string[];
  readonly roles?: readonly string[];
  readonly permissions?: readonly string[];
  readonly teams?: readonly string[];
  readonly claims?: StringMap;
}

export interface WorkloadExtension {
  readonly spiffeId?: string;
  readonly trustDomain?: string;
  readonly attestedAt?: string;
  readonly attestor?: string;
  readonly selectors?: readonly string[];
  readonly clientId?: string;
}

export interface ObjectSecurityProfile {
  readonly managedBy?: string;
  readonly permissions?: readonly string[];
  readonly trustDomain?: string;
  readonly dataScope?: readonly string[];
}

export interface RetentionPolicy {
  readonly maxAgeSeconds?: number;
  readonly policy?: string;
  readonly deleteAfter?: string;
}

export interface DataPolicy {
  readonly applyLabels?: readonly string[];
  readonly allowedActions?: readonly string[];
  readonly deniedActions?: readonly string[];
  readonly retention?: RetentionPolicy;
}

export interface SecurityExtension {
  /** Monotonic: plugins may only add labels (with `append_labels`). */
  readonly labels?: MonotonicSet;
  readonly classification?: string;
  readonly subject?: SubjectExtension;
  readonly client?: ClientExtension;
  readonly callerWorkload?: WorkloadExtension;
  readonly thisWorkload?: WorkloadExtension;
  readonly authMethod?: string;
  readonly objects?: Readonly<Record<string, ObjectSecurityProfile>>;
  readonly data?: Readonly<Record<string, DataPolicy>>;
}

export interface DelegationHop {
  readonly subjectId: string;
  readonly subjectType?: SubjectType;
  readonly audience?: string;
  readonly scopesGranted?: readonly string[];
  /** RFC 9396 objects (`type` plus open keys), kept as written. */
  readonly authorizationDetails?: readonly JsonObject[];
  readonly timestamp?: string;
  readonly ttlSeconds?: number;
  /** token_exchange | client_credentials | spiffe_svid | passthrough | ucan | transaction_token | other strings. */
  readonly strategy?: string;
  readonly fromCache?: boolean;
}

export interface DelegationExtension {
  readonly chain?: readonly DelegationHop[];
  /** Recomputed from `chain` on merge. */
  readonly depth?: number;
  readonly originSubjectId?: string;
  readonly actorSubjectId?: string;
  /** Recomputed from `chain` on merge (true iff the chain is non-empty). */
  readonly delegated?: boolean;
  readonly ageSeconds?: number;
}

/** Raw credentials: never serialized on any wire. */
export interface RawCredentials {
  readonly inboundTokens?: StringMap;
  readonly delegatedTokens?: StringMap;
}

export interface ToolMetadata {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: JsonValue;
  readonly outputSchema?: JsonValue;
  readonly serverId?: string;
  readonly namespace?: string;
  readonly annotations?: JsonObject;
}

export interface ResourceMetadata {
  readonly uri: string;
  readonly name?: string;
  readonly description?: string;
  readonly mimeType?: string;
  readonly serverId?: string;
  readonly annotations?: JsonObject;
}

export interface PromptMetadata {
  readonly name: string;
  readonly description?: string;
  readonly arguments?: JsonValue;
  readonly serverId?: string;
  readonly annotations?: JsonObject;
}

export interface McpExtension {
  readonly tool?: ToolMetadata;
  readonly resource?: ResourceMetadata;
  readonly prompt?: PromptMetadata;
}

export interface TokenUsage {
  readonly input?: number;
  readonly output?: number;
  readonly total?: number;
}

export interface CompletionExtension {
  /** end | return | call | max_tokens | stop_sequence */
  readonly stopReason?: string;
  readonly tokens?: TokenUsage;
  readonly model?: string;
  readonly rawFormat?: string;
  readonly createdAt?: string;
  readonly latencyMs?: number;
}

export interface ProvenanceExtension {
  readonly source?: string;
  readonly messageId?: string;
  readonly parentId?: string;
}

export interface LlmExtension {
  readonly modelId?: string;
  readonly provider?: string;
  readonly capabilities?: readonly string[];
}

export interface FrameworkExtension {
  readonly framework?: string;
  readonly frameworkVersion?: string;
  readonly nodeId?: string;
  readonly graphId?: string;
  readonly metadata?: JsonObject;
}

export interface MetaExtension {
  /** tool | resource | prompt | llm (others are carried but do not route). */
  readonly entityType?: string;
  readonly entityName?: string;
  readonly tags?: readonly string[];
  readonly scope?: string;
  readonly properties?: JsonObject;
}

export interface CandidateConstraint {
  readonly allowModels?: readonly string[];
  readonly denyModels?: readonly string[];
  readonly allowRegions?: readonly string[];
  readonly allowSites?: readonly string[];
  readonly maxCostTiers?: readonly string[];
  readonly custom?: JsonObject;
  /** deny | fallback */
  readonly onEmpty?: string;
}

/** The extensions container. Every slot is optional. */
export interface Extensions {
  readonly request?: RequestExtension;
  readonly agent?: AgentExtension;
  readonly http?: HttpExtension;
  readonly security?: SecurityExtension;
  readonly delegation?: DelegationExtension;
  readonly rawCredentials?: RawCredentials;
  readonly mcp?: McpExtension;
  readonly completion?: CompletionExtension;
  readonly provenance?: ProvenanceExtension;
  readonly llm?: LlmExtension;
  readonly framework?: FrameworkExtension;
  readonly meta?: MetaExtension;
  readonly candidateConstraint?: CandidateConstraint;
  readonly custom?: JsonObject;
}

export const SLOT_NAMES = [
  "request",
  "agent",
  "http",
  "security",
  "delegation",
  "rawCredentials",
  "mcp",
  "completion",
  "provenance",
  "llm",
  "framework",
  "meta",
  "candidateConstraint",
  "custom",
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

/** Slots whose identity must be preserved by a plugin (the first check of the post-handler merge). `rawCredentials` is deliberately absent. */
export const IMMUTABLE_SLOTS = [
  "request",
  "agent",
  "mcp",
  "completion",
  "provenance",
  "llm",
  "framework",
  "meta",
] as const;
export type ImmutableSlot = (typeof IMMUTABLE_SLOTS)[number];

/** Mutable working copy a plugin returns (`cowCopy(view)`): writable slots are fresh objects it may edit. */
export interface OwnedExtensions
  extends Omit<Extensions, "http" | "security" | "delegation" | "candidateConstraint" | "custom"> {
  http?: { requestHeaders: Record<string, string>; responseHeaders: Record<string, string> } & Omit<
    HttpExtension,
    "requestHeaders" | "responseHeaders"
  >;
  security?: SecurityExtension & { labels: MonotonicSet };
  delegation?: { -readonly [K in keyof DelegationExtension]: DelegationExtension[K] } & {
    chain: DelegationHop[];
  };
  candidateConstraint?: CandidateConstraint;
  custom?: Record<string, JsonValue>;
}

/**
 * Outcome of validating a plugin's returned extensions against the canonical ones (merge.ts). `rejected` set → the
 * whole edit was refused and `merged` is the canonical container. `dropped` lists slot edits that were ignored
 * while the rest was merged (e.g. an http write without `write_headers`). Both are for logs only: a rejected
 * extension edit never fails the plugin.
 */
export interface MergeOutcome {
  readonly merged: Extensions;
  readonly rejected?: string;
  readonly dropped: readonly string[];
}
