// The `wasm://` kind: `kind: "wasm://path/to/plugin.wasm"` (relative to the YAML file's folder, or absolute), with
// optional `sha256:` pin, `limits:`, `grants:`, `execution:` and `instances:` per plugin and defaults under
// `plugin_settings.wasm`. Load = read, verify, instrument, compile (cached), check the hook declaration, then
// start the guest inline (this thread) or on the worker pool, under the start-up limits.

import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { isAbsolute, resolve } from "node:path";
import {
  type FactoryContext,
  type HookHandler,
  type JsonValue,
  type PluginConfig,
  type PluginFactory,
  type PluginInstance,
  pluginConfigError,
} from "../../core/index.js";
import { checkDeclaredHooks, HookDeclarationError, readHookDeclaration } from "./abi/hook-declaration.js";
import { encode } from "./abi/msgpack.js";
import { CPEX_MODULE } from "./abi/signatures.js";
import { defaultCacheDir } from "./compile-cache.js";
import { type CompiledPlugin, CompileError, sha256Hex, type WasmEngine } from "./engine.js";
import { GuestStop } from "./errors.js";
import {
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_LIMITS,
  DEFAULT_WORKER_HEAP_MB,
  describeZodError,
  type ExecutionMode,
  executionSchema,
  grantsSchema,
  hostSettingsSchema,
  instancesSchema,
  limitsSchema,
  resolveGrants,
  resolveLimits,
  type WasmGrants,
  type WasmLimits,
} from "./limits.js";
import { Sandbox } from "./sandbox.js";
import {
  guestConfig,
  PolicyError,
  type PolicySettings,
  policyOf,
  readSandboxPolicy,
  samePolicy,
} from "./sandbox-policy.js";
import { clockFrom, realClock, seededRandom, systemRandom, type WasiClock } from "./wasi/preview1.js";
import { WorkerPool } from "./worker/pool.js";
import { WorkerSandbox } from "./worker/remote-sandbox.js";

export const WASM_SCHEME = "wasm://";

export interface WasmHostOptions {
  /** Limits for plugins that set none (overridden by `plugin_settings.wasm.limits` and per-plugin `limits:`). */
  limits?: Partial<WasmLimits>;
  /**
   * Clock for every wasm plugin: milliseconds since the epoch (a number) or nanoseconds (a bigint, exact), e.g.
   * a test's simulated time. Default: the real clock, or a fixed one for plugins granted `deterministic: true`.
   */
  clock?: () => number | bigint;
  /** Seed for `random_get` of plugins granted `deterministic: true`. */
  randomSeed?: number;
  /** Default execution mode (overridden by `plugin_settings.wasm.execution` and per-plugin `execution:`). */
  execution?: ExecutionMode;
  /** Worker threads for worker-mode plugins (overridden by `plugin_settings.wasm.workers`). */
  workers?: number;
  /**
   * Accept the test-only `cpex_test` imports (a host call that blocks its thread). For the hard-kill tests only:
   * never set it for real plugins.
   */
  unsafeTestImports?: boolean;
}

/** Default pool size: one worker per core, at most 8 (the event loop itself mostly waits on I/O). */
export const defaultWorkers = (): number => Math.max(1, Math.min(8, availableParallelism()));

const SHA256 = /^[0-9a-f]{64}$/;

interface Resolved {
  readonly file: string;
  readonly limits: WasmLimits;
  readonly grants: WasmGrants;
  readonly execution: ExecutionMode;
  /** Whether `execution` was set (per plugin, in plugin_settings.wasm or by the host) rather than defaulted. */
  readonly executionChosen: boolean;
  readonly instances: number;
  /** sandbox_policy.resources.max_instances, for a plugin moved to worker execution. */
  readonly policyInstances: number | undefined;
  readonly pool: { readonly workers?: number; readonly heapMb?: number; readonly graceMs?: number };
  /** Persistent instrumentation cache (plugin_settings.wasm.cache_dir; default defaultCacheDir()). */
  readonly cacheDir: string | false;
  /** `config.sandbox_policy` as written (host configuration: a route override may not change it). */
  readonly policy: JsonValue | undefined;
}

export class WasmPluginFactory implements PluginFactory {
  readonly pluginKeys = ["limits", "grants", "sha256", "execution", "instances"] as const;
  private pool: WorkerPool | undefined;

  constructor(
    private readonly engine: WasmEngine,
    private readonly options: WasmHostOptions = {},
  ) {}

  async create(config: PluginConfig, ctx: FactoryContext): Promise<PluginInstance> {
    let r = this.resolve(config, ctx);
    const compiled = await this.load(config, ctx, r);
    // Outbound HTTP needs a thread that can block while the main thread makes the request: a guest importing
    // it runs on a worker unless the operator asked for inline execution, which is then a load error.
    const http = WebAssembly.Module.imports(compiled.module).some(
      (i) => i.module === CPEX_MODULE && i.name === "http_request",
    );
    if (http && r.execution !== "worker") {
      if (r.executionChosen) {
        throw pluginConfigError(
          config,
          "execution",
          `${r.file} imports cpex.http_request, which needs \`execution: worker\``,
        );
      }
      r = { ...r, execution: "worker", instances: r.policyInstances ?? 1 };
    }
    return this.build(config, ctx, r, compiled);
  }

  /** Every host key of the plugin entry and `plugin_settings.wasm`, validated (zod) into one object. */
  private resolve(config: PluginConfig, ctx: FactoryContext): Resolved {
    const fail = (field: string | undefined, message: string) => pluginConfigError(config, field, message);
    const rel = config.kind.slice(WASM_SCHEME.length);
    if (rel === "") throw fail("kind", "wasm:// needs a path to a .wasm file");
    const file = isAbsolute(rel) ? rel : resolve(ctx.configDir ?? process.cwd(), rel);
    const host = hostSettingsSchema.safeParse(ctx.settings.raw["wasm"] ?? {});
    if (!host.success) throw fail(undefined, `plugin_settings.wasm: ${describeZodError("", host.error)}`);
    const limitsIn = limitsSchema.safeParse(config.extra["limits"] ?? {});
    if (!limitsIn.success) throw fail(undefined, describeZodError("limits", limitsIn.error));
    const grantsIn = grantsSchema.safeParse(config.extra["grants"] ?? {});
    if (!grantsIn.success) throw fail(undefined, describeZodError("grants", grantsIn.error));
    const execIn = executionSchema.optional().safeParse(config.extra["execution"]);
    if (!execIn.success) throw fail("execution", describeZodError("", execIn.error));
    const instIn = instancesSchema.optional().safeParse(config.extra["instances"]);
    if (!instIn.success) throw fail("instances", describeZodError("", instIn.error));
    const rawPolicy = policyOf(config.config);
    let policy: PolicySettings | undefined;
    try {
      policy = readSandboxPolicy(rawPolicy, config.extra, ctx.configDir ?? process.cwd());
    } catch (err) {
      if (err instanceof PolicyError) throw fail("config", err.message);
      throw err;
    }
    const base = { ...DEFAULT_LIMITS, ...this.options.limits };
    const execution = execIn.data ?? host.data.execution ?? this.options.execution ?? "inline";
    // max_instances caps the live instances: worker mode creates that many; inline mode runs one, within any cap.
    const instances = instIn.data ?? (execution === "worker" ? policy?.instances : undefined) ?? 1;
    if (instances > 1 && execution !== "worker") {
      throw fail(
        "instances",
        "several instances need `execution: worker` (inline calls run one at a time anyway)",
      );
    }
    if (config.hooks.length === 0) throw fail("hooks", "a wasm plugin must list the hooks it handles");
    const cacheSetting = host.data.cache_dir;
    const grants = resolveGrants(host.data.grants, grantsIn.data);
    return {
      file,
      cacheDir:
        cacheSetting === false
          ? false
          : cacheSetting === undefined
            ? defaultCacheDir()
            : resolve(ctx.configDir ?? process.cwd(), cacheSetting),
      limits: { ...resolveLimits(resolveLimits(base, host.data.limits), limitsIn.data), ...policy?.limits },
      grants: {
        ...grants,
        env: policy?.env ?? grants.env,
        files: policy?.files ?? [],
        network: policy?.network ?? [],
      },
      policy: rawPolicy,
      execution,
      executionChosen: (execIn.data ?? host.data.execution ?? this.options.execution) !== undefined,
      policyInstances: policy?.instances,
      instances,
      pool: {
        ...(host.data.workers === undefined ? {} : { workers: host.data.workers }),
        ...(host.data.worker_heap_mb === undefined ? {} : { heapMb: host.data.worker_heap_mb }),
        ...(host.data.kill_grace_ms === undefined ? {} : { graceMs: host.data.kill_grace_ms }),
      },
    };
  }

  /** Read, pin-check, compile (cached by hash and limits) and check the guest's hook declaration. */
  private async load(config: PluginConfig, ctx: FactoryContext, r: Resolved): Promise<CompiledPlugin> {
    const fail = (field: string | undefined, message: string) => pluginConfigError(config, field, message);
    const file = r.file;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (err) {
      throw fail(
        "kind",
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const pin = config.extra["sha256"];
    if (pin !== undefined) {
      if (typeof pin !== "string" || !SHA256.test(pin.toLowerCase())) {
        throw fail("sha256", "expected 64 hexadecimal digits");
      }
      const actual = sha256Hex(bytes);
      if (actual !== pin.toLowerCase())
        throw fail("sha256", `${file} has sha256 ${actual}, the config pins ${pin}`);
    }
    let compiled: CompiledPlugin;
    try {
      compiled = await this.engine.compile(bytes, {
        // Whole 64 KiB pages: sandbox_policy.resources.max_memory_bytes need not be a whole number of MiB.
        maxMemoryPages: Math.floor(r.limits.memoryMb * 16),
        maxTables: r.limits.maxTables,
        maxTableElements: r.limits.maxTableElements,
        costModel: r.limits.fuelModel,
        cacheDir: r.cacheDir,
      });
    } catch (err) {
      if (err instanceof CompileError) throw fail(undefined, `${file}: ${err.message}`);
      throw err;
    }
    // The guest's own list of the hooks it handles (docs/abi.md §1.1): a YAML hook outside it is a load error,
    // not a plugin that fails every call.
    let declared: readonly string[] | undefined;
    try {
      declared = readHookDeclaration(compiled.module);
    } catch (err) {
      if (err instanceof HookDeclarationError) throw fail("hooks", `${file}: ${err.message}`);
      throw err;
    }
    const { errors, warnings } = checkDeclaredHooks(config.hooks, declared);
    if (errors.length > 0) throw fail("hooks", errors.join("; "));
    for (const w of warnings) ctx.logger.warn(`plugin '${config.name}' (${file}): ${w}`);
    return compiled;
  }

  /**
   * Start the guest for `config` from an already compiled and verified module: no file is read here, so a route
   * override (`derive`) runs exactly the code the base plugin was loaded with.
   */
  private async build(
    config: PluginConfig,
    ctx: FactoryContext,
    r: Resolved,
    compiled: CompiledPlugin,
  ): Promise<PluginInstance> {
    const fail = (field: string | undefined, message: string) => pluginConfigError(config, field, message);
    if (!samePolicy(policyOf(config.config), r.policy)) {
      throw fail(
        "config",
        "sandbox_policy is host configuration: a route-level config override cannot change it",
      );
    }
    const env: Record<string, string> = {};
    for (const name of r.grants.env) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    const injected = this.options.clock ?? (r.grants.deterministic ? () => 0 : undefined);
    let configBytes: Uint8Array;
    try {
      configBytes = encode(guestConfig(config.config), "config");
    } catch (err) {
      throw fail("config", `cannot be encoded for the guest: ${(err as Error).message}`);
    }
    let run: (hook: string) => HookHandler;
    let dispose: () => void;
    try {
      if (r.execution === "worker") {
        const pool = this.poolFor(r);
        const sandbox = new WorkerSandbox({
          name: config.name,
          engine: this.engine,
          compiled,
          limits: r.limits,
          spec: {
            name: config.name,
            limits: r.limits,
            memoryCapPages: compiled.memoryCapPages,
            configBytes,
            env,
            files: r.grants.files,
            network: r.grants.network,
            clock: injected === undefined ? "real" : "call",
            ...(r.grants.deterministic ? { randomSeed: this.options.randomSeed ?? 0 } : {}),
            testImports: this.options.unsafeTestImports === true,
          },
          pool,
          instances: r.instances,
          ...(injected === undefined ? {} : { clock: injected }),
          logger: ctx.logger,
        });
        await sandbox.start();
        run = (hook) => (payload, extensions, pluginCtx, call) =>
          sandbox.handle(hook, payload, extensions, pluginCtx, call);
        dispose = () => {
          sandbox.dispose();
          this.releasePool(pool);
        };
      } else {
        const clock: WasiClock = injected === undefined ? realClock : clockFrom(injected);
        const sandbox = new Sandbox({
          name: config.name,
          engine: this.engine,
          compiled,
          limits: r.limits,
          configBytes,
          env,
          clock,
          random: r.grants.deterministic ? seededRandom(this.options.randomSeed ?? 0) : systemRandom,
          logger: ctx.logger,
          testImports: this.options.unsafeTestImports === true,
          files: r.grants.files,
        });
        sandbox.start();
        run = (hook) => (payload, extensions, pluginCtx, call) =>
          sandbox.handle(hook, payload, extensions, pluginCtx, call);
        dispose = () => sandbox.dispose();
      }
    } catch (err) {
      const reason = err instanceof GuestStop ? `${err.code}: ${err.message}` : (err as Error).message;
      throw fail(undefined, `${r.file}: ${reason}`);
    }
    return {
      plugin: { shutdown: dispose },
      handlers: config.hooks.map((hook) => ({ hook, handler: run(hook) })),
      // A route-level `config:` override: the same verified module and limits, another `config:`.
      derive: (overridden) => this.build(overridden, ctx, r, compiled),
    };
  }

  /** The pool of worker threads, started with the first worker-mode plugin and closed with the last one. */
  private poolFor(r: Resolved): WorkerPool {
    this.pool ??= new WorkerPool({
      size: r.pool.workers ?? this.options.workers ?? defaultWorkers(),
      heapMb: r.pool.heapMb ?? DEFAULT_WORKER_HEAP_MB,
      graceMs: r.pool.graceMs ?? DEFAULT_KILL_GRACE_MS,
    });
    return this.pool;
  }

  private releasePool(pool: WorkerPool): void {
    if (pool.instanceCount > 0) return;
    if (this.pool === pool) this.pool = undefined;
    void pool.close();
  }

  /** The worker pool, if a worker-mode plugin is loaded (for tests and benchmarks). */
  get workerPool(): WorkerPool | undefined {
    return this.pool;
  }
}
