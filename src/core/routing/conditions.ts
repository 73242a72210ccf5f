// Legacy per-plugin scoping (docs/configuration.md, "Conditions"), used when routing is disabled. Evaluated against the unfiltered extensions.

import type { PluginCondition } from "../config/types.js";
import type { Extensions } from "../extensions/types.js";
import { globMatch } from "./glob.js";

/** Empty list → always fire; otherwise fire if any condition matches. */
export function conditionsMatch(
  conditions: readonly PluginCondition[] | undefined,
  ext: Extensions | undefined,
): boolean {
  if (conditions === undefined || conditions.length === 0) return true;
  return conditions.some((c) => conditionMatches(c, ext ?? {}));
}

/** Every specified (non-empty) field must match; a specified field whose source value is absent does not. */
export function conditionMatches(c: PluginCondition, ext: Extensions): boolean {
  if (specified(c.serverIds)) {
    const mcp = ext.mcp;
    const serverId = mcp?.tool?.serverId ?? mcp?.resource?.serverId ?? mcp?.prompt?.serverId;
    if (serverId === undefined || !c.serverIds.includes(serverId)) return false;
  }
  if (specified(c.tenantIds)) {
    const tenant = ext.security?.subject?.claims?.["tenant"];
    if (tenant === undefined || !c.tenantIds.includes(tenant)) return false;
  }
  if (specified(c.tools) && !entityIn(ext, "tool", c.tools)) return false;
  if (specified(c.prompts) && !entityIn(ext, "prompt", c.prompts)) return false;
  if (specified(c.resources) && !entityIn(ext, "resource", c.resources)) return false;
  if (specified(c.agents)) {
    const agentId = ext.agent?.agentId;
    if (agentId === undefined || !c.agents.includes(agentId)) return false;
  }
  if (specified(c.userPatterns)) {
    const user = ext.security?.subject?.id;
    if (user === undefined || !c.userPatterns.some((p) => globMatch(p, user))) return false;
  }
  if (specified(c.contentTypes)) {
    const mime = ext.mcp?.resource?.mimeType;
    if (mime === undefined || !c.contentTypes.includes(mime)) return false;
  }
  return true;
}

function specified(list: readonly string[] | undefined): list is readonly string[] {
  return list !== undefined && list.length > 0;
}

function entityIn(ext: Extensions, type: string, names: readonly string[]): boolean {
  const meta = ext.meta;
  return meta?.entityType === type && meta.entityName !== undefined && names.includes(meta.entityName);
}
