// Per-plugin limits and grants, validated once at load (zod) from `plugin_settings.wasm` (defaults) and each
// plugin's `limits:` / `grants:` keys. YAML names are snake_case.

import { z } from "zod";
import { COST_MODELS, type CostModel, DEFAULT_COST_MODEL } from "./meter/options.js";

export interface WasmLimits {
  /** Fuel per invocation (≈ WebAssembly instructions; bulk operations cost by size). */
  readonly fuel: number;
  /** What a unit of `fuel` means: wasmtime's units (exact) or the instrumenter's own (docs/instrumenter.md). */
  readonly fuelModel: CostModel;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly maxResultBytes: number;
  readonly maxLogBytes: number;
  /** Wall-clock budget for start-up: instantiation, `_initialize`, `cpex_abi_version` and `cpex_init`. */
  readonly startupTimeoutMs: number;
  /** Fuel budget for the same start-up sequence. */
  readonly startupFuel: number;
  /** Most tables a module may define. */
  readonly maxTables: number;
  /** Most table elements, all tables together; each is charged TABLE_ELEMENT_BYTES against memory_mb. */
  readonly maxTableElements: number;
}

/** Host memory one table element costs (V8 keeps a funcref and a dispatch entry: measured 27 bytes). */
export const TABLE_ELEMENT_BYTES = 32;

export interface WasmGrants {
  /** Environment variables the guest may read (names; values come from the host's environment). */
  readonly env: readonly string[];
  /** Deterministic clock and random numbers (reproducible runs). */
  readonly deterministic: boolean;
  /** Preopened directories (`sandbox_policy.allowed_filesystem`); none by default. */
  readonly files: readonly FileGrant[];
  /** Outbound HTTP allow rules (`sandbox_policy.allowed_network`); none by default: every request is denied. */
  readonly network: readonly NetworkRule[];
}

/** One preopened directory, as the guest sees it (fd 3 onwards, in this order). */
export interface FileGrant {
  readonly kind: "read-only" | "private-scratch";
  /** The preopen's name for the guest (`fd_prestat_dir_name`). */
  readonly guestPath: string;
  /** read-only: the host directory (absolute). */
  readonly hostPath?: string;
  /** read-only from `file:` entries: the only names of the directory the guest may see. */
  readonly only?: readonly string[];
}

/** One allow rule for outbound HTTP (docs/security.md, "Network grant"). */
export interface NetworkRule {
  /** Exact host (lower case) or `*.suffix`, which matches names under the suffix but not the suffix itself. */
  readonly host: string;
  /** Empty: any port. */
  readonly ports: readonly number[];
  readonly schemes: readonly ("http" | "https")[];
  /** Upper case; empty: any method. */
  readonly methods: readonly string[];
}

export const DEFAULT_LIMITS: WasmLimits = Object.freeze({
  fuel: 100_000_000,
  fuelModel: DEFAULT_COST_MODEL,
  timeoutMs: 1_000,
  memoryMb: 64,
  maxResultBytes: 4 * 1024 * 1024,
  maxLogBytes: 64 * 1024,
  // Start-up compiles regexes, builds tables: the example plugins take up to ~45 ms and ~40 M fuel on a loaded
  // 2-core machine (pii_redactor). Generous by default; a recycle after a trap pays it again.
  startupTimeoutMs: 5_000,
  startupFuel: 1_000_000_000,
  maxTables: 16,
  maxTableElements: 65_536,
});

const positiveInt = z.number().int().positive();

export const limitsSchema = z
  .object({
    fuel: positiveInt.max(Number.MAX_SAFE_INTEGER).optional(),
    fuel_model: z.enum(COST_MODELS as [CostModel, ...CostModel[]]).optional(),
    timeout_ms: positiveInt.max(3_600_000).optional(),
    memory_mb: positiveInt.max(4096).optional(),
    max_result_bytes: positiveInt.max(1 << 30).optional(),
    max_log_bytes: z
      .number()
      .int()
      .nonnegative()
      .max(1 << 30)
      .optional(),
    startup_timeout_ms: positiveInt.max(3_600_000).optional(),
    startup_fuel: positiveInt.max(Number.MAX_SAFE_INTEGER).optional(),
    max_tables: positiveInt.max(10_000).optional(),
    max_table_elements: positiveInt.max(10_000_000).optional(),
  })
  .strict();

export const grantsSchema = z
  .object({
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")).optional(),
    deterministic: z.boolean().optional(),
  })
  .strict();

export const EXECUTION_MODES = ["inline", "worker"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** Per-plugin host keys besides `limits`/`grants`/`sha256`: how the guest is run. */
export const executionSchema = z.enum(EXECUTION_MODES);
export const instancesSchema = z.number().int().min(1).max(64);

export const hostSettingsSchema = z
  .object({
    limits: limitsSchema.optional(),
    grants: grantsSchema.optional(),
    /** Default execution mode of wasm plugins. */
    execution: executionSchema.optional(),
    /** Worker threads of the pool that runs worker-mode plugins. */
    workers: z.number().int().min(1).max(64).optional(),
    /** JS heap limit of each worker (resourceLimits), MiB. */
    worker_heap_mb: z.number().int().min(16).max(4096).optional(),
    /** How long past a call's deadline a silent worker is given before it is terminated, ms. */
    kill_grace_ms: z.number().int().min(1).max(60_000).optional(),
    /** Persistent instrumentation cache directory (relative: to the config file); false: no cache. */
    cache_dir: z.union([z.string().min(1), z.literal(false)]).optional(),
  })
  .strict();

/** Defaults of the worker pool (docs/configuration.md, "Execution modes"). */
export const DEFAULT_WORKER_HEAP_MB = 128;
export const DEFAULT_KILL_GRACE_MS = 100;

export type LimitsInput = z.infer<typeof limitsSchema>;
export type GrantsInput = z.infer<typeof grantsSchema>;

export function resolveLimits(base: WasmLimits, input: LimitsInput | undefined): WasmLimits {
  if (input === undefined) return base;
  return {
    fuel: input.fuel ?? base.fuel,
    fuelModel: input.fuel_model ?? base.fuelModel,
    timeoutMs: input.timeout_ms ?? base.timeoutMs,
    memoryMb: input.memory_mb ?? base.memoryMb,
    maxResultBytes: input.max_result_bytes ?? base.maxResultBytes,
    maxLogBytes: input.max_log_bytes ?? base.maxLogBytes,
    startupTimeoutMs: input.startup_timeout_ms ?? base.startupTimeoutMs,
    startupFuel: input.startup_fuel ?? base.startupFuel,
    maxTables: input.max_tables ?? base.maxTables,
    maxTableElements: input.max_table_elements ?? base.maxTableElements,
  };
}

export function resolveGrants(base: GrantsInput | undefined, input: GrantsInput | undefined): WasmGrants {
  return {
    env: input?.env ?? base?.env ?? [],
    deterministic: input?.deterministic ?? base?.deterministic ?? false,
    files: [],
    network: [],
  };
}

/** "limits.fuel: Expected number, received string" from a zod error, for config messages. */
export function describeZodError(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== "").join(".");
      return `${path}: ${i.message}`;
    })
    .join("; ");
}
