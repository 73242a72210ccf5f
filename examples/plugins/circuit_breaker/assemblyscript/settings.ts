// circuit_breaker's settings: defaults, the YAML `config:` on top, and per-tool overrides on top of that,
// validated at init with the messages of the Rust and native TypeScript versions.

import { Kind, PluginError, Value, ValueMap } from "../../../../sdk/assemblyscript/assembly/index";

export class Settings {
  errorRateThreshold: f64 = 0.5;
  windowMs: i64 = 60_000;
  minCalls: i64 = 10;
  consecutiveFailureThreshold: i64 = 5;
  cooldownMs: i64 = 60_000;

  copy(): Settings {
    const s = new Settings();
    s.errorRateThreshold = this.errorRateThreshold;
    s.windowMs = this.windowMs;
    s.minCalls = this.minCalls;
    s.consecutiveFailureThreshold = this.consecutiveFailureThreshold;
    s.cooldownMs = this.cooldownMs;
    return s;
  }
}

/** Applies partial settings, keeping the first problem (AssemblyScript has no exceptions to carry it). */
export class SettingsReader {
  error: PluginError | null = null;

  bad(message: string): void {
    if (this.error === null) this.error = new PluginError("circuit_breaker.invalid_config", message);
  }

  /** An integer >= 1 under `key`, or 0 when absent (or after recording an error). */
  private int(m: ValueMap, key: string): i64 {
    const v = m.get(key);
    if (v === null || v.isNil) return 0;
    if (v.kind === Kind.Int && v.int >= 1) return v.int;
    this.bad(key + ": expected an integer >= 1");
    return 0;
  }

  apply(base: Settings, m: ValueMap): Settings {
    const s = base.copy();
    const rate = m.get("error_rate_threshold");
    if (rate !== null && !rate.isNil) {
      const r = rate.toF64();
      if (!rate.isNumber || !(r >= 0 && r <= 1)) this.bad("error_rate_threshold: expected a number in [0,1]");
      else s.errorRateThreshold = r;
    }
    const window = this.int(m, "window_seconds");
    if (window > 0) s.windowMs = window * 1000;
    const minCalls = this.int(m, "min_calls");
    if (minCalls > 0) s.minCalls = minCalls;
    const consecutive = this.int(m, "consecutive_failure_threshold");
    if (consecutive > 0) s.consecutiveFailureThreshold = consecutive;
    const cooldown = this.int(m, "cooldown_seconds");
    if (cooldown > 0) s.cooldownMs = cooldown * 1000;
    return s;
  }
}

/** The base settings and the overrides from `config`, or the error that fails the load. */
export function readSettings(
  config: Value,
  base: Settings,
  overrides: Map<string, Settings>,
): PluginError | null {
  const r = new SettingsReader();
  const c = config.isMap ? config.map! : new ValueMap();
  const applied = r.apply(new Settings(), c);
  base.errorRateThreshold = applied.errorRateThreshold;
  base.windowMs = applied.windowMs;
  base.minCalls = applied.minCalls;
  base.consecutiveFailureThreshold = applied.consecutiveFailureThreshold;
  base.cooldownMs = applied.cooldownMs;
  const o = c.get("tool_overrides");
  if (o !== null && o.isMap) {
    const m = o.map!;
    for (let i = 0; i < m.size; i++) {
      const partial = m.values[i];
      if (!partial.isMap) r.bad("tool_overrides." + m.keys[i] + ": expected a map");
      else overrides.set(m.keys[i], r.apply(base, partial.map!));
    }
  }
  return r.error;
}
