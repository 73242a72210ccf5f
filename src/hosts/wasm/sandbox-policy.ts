// Upstream CPEX's wasm dialect: `config.sandbox_policy` on a `wasm://` plugin (docs/configuration.md, "Upstream
// sandbox_policy"). It is host configuration written inside the plugin's `config:`, so it is validated here,
// mapped onto our `limits` / `grants` / `instances`, and removed from the config the guest receives. Giving a
// setting in both forms (e.g. `resources.max_fuel` and `limits.fuel`) is an error naming both: two sources for
// one limit would leave the operator guessing which one applies.

import { isAbsolute, normalize, resolve } from "node:path";
import { z } from "zod";
import type { JsonValue } from "../../core/index.js";
import { describeZodError, type FileGrant, type NetworkRule, type WasmLimits } from "./limits.js";

const POLICY_KEY = "sandbox_policy";

function isObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `config.sandbox_policy` as written, if any. */
export function policyOf(config: JsonValue | undefined): JsonValue | undefined {
  return isObject(config) ? config[POLICY_KEY] : undefined;
}

/** The `config:` the guest receives: the plugin's own, without the host's `sandbox_policy`. */
export function guestConfig(config: JsonValue | undefined): JsonValue | null {
  if (!isObject(config) || !(POLICY_KEY in config)) return config ?? null;
  const { [POLICY_KEY]: _, ...rest } = config;
  return rest;
}

/** Whether an override's policy is the base's (an override may not change it). Both are plain JSON. */
export const samePolicy = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

/** Validate and map a policy as written (undefined: none). Throws PolicyError. */
export function readSandboxPolicy(
  raw: JsonValue | undefined,
  extra: Readonly<Record<string, unknown>>,
  configDir: string,
): PolicySettings | undefined {
  if (raw === undefined) return undefined;
  const parsed = sandboxPolicySchema.safeParse(raw);
  if (!parsed.success) throw new PolicyError("config", describeZodError(POLICY_KEY, parsed.error));
  return mapSandboxPolicy(parsed.data, extra, configDir);
}

/** Every permission level upstream defines; only the first two are implemented here. */
const SUPPORTED_PERMISSIONS = ["read-only", "private-scratch"] as const;
const UNSUPPORTED_PERMISSIONS = ["full-access", "drop-box", "fixed-mutable", "list-only"] as const;

const guestPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.includes("\0"), "must not contain NUL");

const fsEntrySchema = z
  .object({
    dir: guestPath.optional(),
    file: guestPath.optional(),
    permission: z.enum([...SUPPORTED_PERMISSIONS, ...UNSUPPORTED_PERMISSIONS]),
  })
  .strict()
  .refine((e) => (e.dir === undefined) !== (e.file === undefined), "give exactly one of `dir` and `file`");

// A host name as written in an allow rule: an exact name or IP, or `*.` and a suffix (which never matches the
// apex). Lower-cased when compared.
const HOST_RULE =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[[0-9A-Fa-f:.]+\]$/;

const networkRuleSchema = z
  .object({
    host: z.string().regex(HOST_RULE, "a host name, an IP address, or `*.` and a domain suffix"),
    ports: z.array(z.number().int().min(1).max(65_535)).optional(),
    schemes: z
      .array(z.enum(["http", "https"]))
      .min(1)
      .optional(),
    methods: z.array(z.string().regex(/^[A-Za-z]{1,16}$/, "an HTTP method")).optional(),
  })
  .strict();

const resourcesSchema = z
  .object({
    max_memory_bytes: z
      .number()
      .int()
      .min(65_536)
      .max(4096 * 1024 * 1024)
      .optional(),
    max_fuel: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    max_execution_time_ms: z.number().int().positive().max(3_600_000).optional(),
    max_instances: z.number().int().min(1).max(64).optional(),
    max_tables: z.number().int().positive().max(10_000).optional(),
  })
  .strict();

export const sandboxPolicySchema = z
  .object({
    allowed_filesystem: z.array(fsEntrySchema).max(64).optional(),
    allowed_network: z.array(networkRuleSchema).max(256).optional(),
    allowed_env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"))
      .optional(),
    resources: resourcesSchema.optional(),
  })
  .strict();

export type SandboxPolicyInput = z.infer<typeof sandboxPolicySchema>;

/** What a policy contributes, in our terms. Absent fields leave the other sources (or defaults) in charge. */
export interface PolicySettings {
  readonly limits: Partial<Pick<WasmLimits, "fuel" | "fuelModel" | "timeoutMs" | "memoryMb" | "maxTables">>;
  readonly env?: readonly string[];
  readonly files: readonly FileGrant[];
  readonly network: readonly NetworkRule[];
  readonly instances?: number;
}

/** Our key for each upstream key: both given for one plugin is an error naming both. */
const CONFLICTS: ReadonlyArray<
  readonly [keyof NonNullable<SandboxPolicyInput["resources"]>, string, string]
> = [
  ["max_fuel", "limits", "fuel"],
  ["max_memory_bytes", "limits", "memory_mb"],
  ["max_execution_time_ms", "limits", "timeout_ms"],
  ["max_tables", "limits", "max_tables"],
];

export class PolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function hasKey(v: unknown, key: string): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    (v as Record<string, unknown>)[key] !== undefined
  );
}

/**
 * Check `policy` against the plugin's own host keys (`extra`: limits, grants, instances) and map it. `configDir`
 * resolves relative read-only directories (as `wasm://` paths are). Throws PolicyError.
 */
export function mapSandboxPolicy(
  policy: SandboxPolicyInput,
  extra: Readonly<Record<string, unknown>>,
  configDir: string,
): PolicySettings {
  const r = policy.resources ?? {};
  for (const [upstream, section, ours] of CONFLICTS) {
    if (r[upstream] !== undefined && hasKey(extra[section], ours)) {
      throw new PolicyError(
        `${section}.${ours}`,
        `sandbox_policy.resources.${upstream} and ${section}.${ours} set the same limit; give only one of them`,
      );
    }
  }
  if (r.max_instances !== undefined && extra["instances"] !== undefined) {
    throw new PolicyError(
      "instances",
      "sandbox_policy.resources.max_instances and instances set the same thing; give only one of them",
    );
  }
  if (policy.allowed_env !== undefined && hasKey(extra["grants"], "env")) {
    throw new PolicyError(
      "grants.env",
      "sandbox_policy.allowed_env and grants.env are the same allowlist; give only one of them",
    );
  }
  const limits: { -readonly [K in keyof PolicySettings["limits"]]: PolicySettings["limits"][K] } = {};
  if (r.max_fuel !== undefined) {
    limits.fuel = r.max_fuel;
    // A max_fuel written for wasmtime is in wasmtime's units: count in them, unless the plugin's own
    // limits.fuel_model says otherwise (docs/configuration.md, "Upstream CPEX's sandbox_policy").
    if (!hasKey(extra["limits"], "fuel_model")) limits.fuelModel = "wasmtime";
  }
  if (r.max_execution_time_ms !== undefined) limits.timeoutMs = r.max_execution_time_ms;
  // Bytes, not MiB: the engine rounds the cap down to whole 64 KiB pages (factory.ts).
  if (r.max_memory_bytes !== undefined) limits.memoryMb = r.max_memory_bytes / (1024 * 1024);
  if (r.max_tables !== undefined) limits.maxTables = r.max_tables;
  return {
    limits,
    ...(policy.allowed_env === undefined ? {} : { env: policy.allowed_env }),
    files: mapFiles(policy.allowed_filesystem ?? [], configDir),
    network: (policy.allowed_network ?? []).map((n) => ({
      host: n.host.toLowerCase(),
      ports: n.ports ?? [],
      schemes: n.schemes ?? ["https"],
      methods: (n.methods ?? []).map((m) => m.toUpperCase()),
    })),
    ...(r.max_instances === undefined ? {} : { instances: r.max_instances }),
  };
}

/** The name a guest sees for a granted path: as written, without `./` and trailing slashes. */
export function guestName(written: string): string {
  const n = normalize(written).replace(/\/+$/, "");
  return n === "" ? "." : n;
}

function mapFiles(
  entries: NonNullable<SandboxPolicyInput["allowed_filesystem"]>,
  configDir: string,
): FileGrant[] {
  const out = new Map<string, FileGrant>();
  entries.forEach((e, i) => {
    const field = `sandbox_policy.allowed_filesystem[${i}]`;
    if ((UNSUPPORTED_PERMISSIONS as readonly string[]).includes(e.permission)) {
      throw new PolicyError(
        field,
        `permission '${e.permission}' is not supported by this host (supported: ${SUPPORTED_PERMISSIONS.join(", ")})`,
      );
    }
    const written = (e.dir ?? e.file) as string;
    if (written.split(/[/\\]/).includes(".."))
      throw new PolicyError(field, "a granted path must not contain '..'");
    if (e.permission === "private-scratch") {
      if (e.file !== undefined) throw new PolicyError(field, "private-scratch takes a `dir`, not a `file`");
      const name = guestName(written);
      if (out.has(name)) throw new PolicyError(field, `'${name}' is granted twice`);
      out.set(name, { kind: "private-scratch", guestPath: name });
      return;
    }
    const host = isAbsolute(written) ? written : resolve(configDir, written);
    if (e.dir !== undefined) {
      const name = guestName(written);
      if (out.has(name)) throw new PolicyError(field, `'${name}' is granted twice`);
      out.set(name, { kind: "read-only", guestPath: name, hostPath: host });
      return;
    }
    // A single file: its folder is preopened, showing only the granted names (several files may share it).
    const slash = Math.max(written.lastIndexOf("/"), written.lastIndexOf("\\"));
    const base = written.slice(slash + 1);
    if (base === "" || base === ".") throw new PolicyError(field, "`file` must name a file");
    const name = guestName(slash < 0 ? "." : written.slice(0, slash) || "/");
    const hostDir = resolve(host, "..");
    const prev = out.get(name);
    if (prev !== undefined && (prev.only === undefined || prev.hostPath !== hostDir)) {
      throw new PolicyError(field, `'${name}' is granted twice`);
    }
    out.set(name, {
      kind: "read-only",
      guestPath: name,
      hostPath: hostDir,
      only: [...(prev?.only ?? []), base],
    });
  });
  return [...out.values()];
}
