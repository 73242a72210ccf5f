// Capability filtering (docs/configuration.md, "Capabilities"), secure by default: the view starts empty and only what the capabilities allow is
// copied in. Slots are shared by reference (they are frozen), so building a view is a handful of property copies.

import { MonotonicSet } from "./monotonic.js";
import type {
  CapabilityInput,
  Extensions,
  RawCredentials,
  SecurityExtension,
  SubjectExtension,
} from "./types.js";

const EMPTY_LABELS = new MonotonicSet().freeze();
const EMPTY_LIST: readonly string[] = Object.freeze([]);
const EMPTY_MAP: Readonly<Record<string, string>> = Object.freeze({});

const SUBJECT_CAPS = ["read_subject", "read_roles", "read_teams", "read_claims", "read_permissions"] as const;
/** Holding all of these lets the canonical security slot be shared as is. */
const FULL_SECURITY_CAPS = [...SUBJECT_CAPS, "read_labels", "read_client", "read_workload"] as const;

export function toCapabilitySet(capabilities: CapabilityInput): ReadonlySet<string> {
  return capabilities instanceof Set ? capabilities : new Set(capabilities);
}

/** Build the view a plugin holding `capabilities` may see. The result is frozen. */
export function filterExtensions(canonical: Extensions, capabilities: CapabilityInput): Extensions {
  const caps = toCapabilitySet(capabilities);
  const view: { -readonly [K in keyof Extensions]: Extensions[K] } = {};

  // 1. Unrestricted slots.
  if (canonical.request !== undefined) view.request = canonical.request;
  if (canonical.provenance !== undefined) view.provenance = canonical.provenance;
  if (canonical.completion !== undefined) view.completion = canonical.completion;
  if (canonical.llm !== undefined) view.llm = canonical.llm;
  if (canonical.framework !== undefined) view.framework = canonical.framework;
  if (canonical.mcp !== undefined) view.mcp = canonical.mcp;
  if (canonical.meta !== undefined) view.meta = canonical.meta;
  if (canonical.custom !== undefined) view.custom = canonical.custom;
  if (canonical.candidateConstraint !== undefined) view.candidateConstraint = canonical.candidateConstraint;

  // 2. Whole-slot read capabilities. write_headers alone does not grant visibility (as in CPEX Rust).
  if (canonical.delegation !== undefined && caps.has("read_delegation"))
    view.delegation = canonical.delegation;
  if (canonical.agent !== undefined && caps.has("read_agent")) view.agent = canonical.agent;
  if (canonical.http !== undefined && caps.has("read_headers")) view.http = canonical.http;

  // 3. Security: always present when the canonical has it, rebuilt field by field.
  if (canonical.security !== undefined) view.security = filterSecurity(canonical.security, caps);

  // 4. Raw credentials: present only with at least one of the two caps; each map only with its own.
  if (canonical.rawCredentials !== undefined) {
    const inbound = caps.has("read_inbound_credentials");
    const delegated = caps.has("read_delegated_tokens");
    if (inbound || delegated) {
      const raw = canonical.rawCredentials;
      view.rawCredentials =
        inbound && delegated
          ? raw
          : Object.freeze<RawCredentials>({
              inboundTokens: inbound ? (raw.inboundTokens ?? EMPTY_MAP) : EMPTY_MAP,
              delegatedTokens: delegated ? (raw.delegatedTokens ?? EMPTY_MAP) : EMPTY_MAP,
            });
    }
  }
  return Object.freeze(view);
}

function filterSecurity(security: SecurityExtension, caps: ReadonlySet<string>): SecurityExtension {
  // A canonical set must never be writable through a view (cheap flag; normally already set by createExtensions).
  security.labels?.freeze();
  if (FULL_SECURITY_CAPS.every((c) => caps.has(c))) return security;
  const out: { -readonly [K in keyof SecurityExtension]: SecurityExtension[K] } = {};
  if (security.objects !== undefined) out.objects = security.objects;
  if (security.data !== undefined) out.data = security.data;
  if (security.classification !== undefined) out.classification = security.classification;
  if (security.authMethod !== undefined) out.authMethod = security.authMethod;
  out.labels = caps.has("read_labels") ? (security.labels ?? EMPTY_LABELS) : EMPTY_LABELS;
  if (security.subject !== undefined && SUBJECT_CAPS.some((c) => caps.has(c))) {
    out.subject = filterSubject(security.subject, caps);
  }
  if (security.client !== undefined && caps.has("read_client")) out.client = security.client;
  if (caps.has("read_workload")) {
    if (security.callerWorkload !== undefined) out.callerWorkload = security.callerWorkload;
    if (security.thisWorkload !== undefined) out.thisWorkload = security.thisWorkload;
  }
  return Object.freeze(out);
}

/** Any subject cap exposes id and type; roles/permissions/teams/claims each need their own cap. */
function filterSubject(subject: SubjectExtension, caps: ReadonlySet<string>): SubjectExtension {
  const out: { -readonly [K in keyof SubjectExtension]: SubjectExtension[K] } = {};
  if (subject.id !== undefined) out.id = subject.id;
  if (subject.subjectType !== undefined) out.subjectType = subject.subjectType;
  out.roles = caps.has("read_roles") ? (subject.roles ?? EMPTY_LIST) : EMPTY_LIST;
  out.permissions = caps.has("read_permissions") ? (subject.permissions ?? EMPTY_LIST) : EMPTY_LIST;
  out.teams = caps.has("read_teams") ? (subject.teams ?? EMPTY_LIST) : EMPTY_LIST;
  out.claims = caps.has("read_claims") ? (subject.claims ?? EMPTY_MAP) : EMPTY_MAP;
  return Object.freeze(out);
}
