// The `wasm://` kind: `kind: "wasm://path/to/plugin.wasm"` (relative to the YAML file's folder, or absolute), with
// optional `sha256:` pin, `limits:` and `grants:` per plugin and defaults under `plugin_settings.wasm`.
// Load = read, verify, instrument, compile (cached), instantiate, check the ABI version, run the guest's init.

import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import {
  type FactoryContext,
  type HookHandler,
  type PluginConfig,
  type PluginFactory,
  type PluginInstance,
  pluginConfigError,
} from "../../core/index.js";
import { checkDeclaredHooks, HookDeclarationError, readHookDeclaration } from "./abi/hook-declaration.js";
import { CompileError, sha256Hex, type WasmEngine } from "./engine.js";
import { GuestStop } from "./errors.js";
import {
  DEFAULT_LIMITS,
  describeZodError,
  grantsSchema,
  hostSettingsSchema,
  limitsSchema,
  resolveGrants,
  resolveLimits,
  type WasmLimits,
} from "./limits.js";
import { Sandbox } from "./sandbox.js";
import { clockFrom, realClock, seededRandom, systemRandom, type WasiClock } from "./wasi/preview1.js";

export const WASM_SCHEME = "wasm://";

export interface WasmHostOptions {
  /** Limits for plugins that set none (overridden by `plugin_settings.wasm.limits` and per-plugin `limits:`). */
  limits?: Partial<WasmLimits>;
  /**
   * Clock for every wasm plugin (milliseconds since the epoch), e.g. a test's simulated time. Default: the real
   * clock, or a fixed one for plugins granted `deterministic: true`.
   */
  clock?: () => number;
  /** Seed for `random_get` of plugins granted `deterministic: true`. */
  randomSeed?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class WasmPluginFactory implements PluginFactory {
  constructor(
    private readonly engine: WasmEngine,
    private readonly options: WasmHostOptions = {},
  ) {}

  async create(config: PluginConfig, ctx: FactoryContext): Promise<PluginInstance> {
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
    const base = { ...DEFAULT_LIMITS, ...this.options.limits };
    const limits = resolveLimits(resolveLimits(base, host.data.limits), limitsIn.data);
    const grants = resolveGrants(host.data.grants, grantsIn.data);
    if (config.hooks.length === 0) throw fail("hooks", "a wasm plugin must list the hooks it handles");

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

    let compiled: Awaited<ReturnType<WasmEngine["compile"]>>;
    try {
      compiled = await this.engine.compile(bytes, {
        maxMemoryPages: limits.memoryMb * 16,
        maxTables: limits.maxTables,
        maxTableElements: limits.maxTableElements,
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

    const env: Record<string, string> = {};
    for (const name of grants.env) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    const clock: WasiClock =
      this.options.clock !== undefined
        ? clockFrom(this.options.clock)
        : grants.deterministic
          ? clockFrom(() => 0)
          : realClock;
    const random = grants.deterministic ? seededRandom(this.options.randomSeed ?? 0) : systemRandom;
    const sandbox = new Sandbox({
      name: config.name,
      engine: this.engine,
      compiled,
      limits,
      config: config.config,
      env,
      clock,
      random,
      logger: ctx.logger,
    });
    try {
      sandbox.start();
    } catch (err) {
      const reason = err instanceof GuestStop ? `${err.code}: ${err.message}` : (err as Error).message;
      throw fail(undefined, `${file}: ${reason}`);
    }
    const handlers = config.hooks.map((hook) => {
      const handler: HookHandler = (payload, extensions, pluginCtx, call) =>
        sandbox.handle(hook, payload, extensions, pluginCtx, call);
      return { hook, handler };
    });
    return { plugin: { shutdown: () => sandbox.dispose() }, handlers };
  }
}
