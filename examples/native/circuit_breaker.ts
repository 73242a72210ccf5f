// circuit_breaker (example-plugins §3.5) as a native TypeScript plugin, with an injectable clock.

import {
  definePlugin,
  type JsonObject,
  type PluginFactory,
  PluginResult,
  type PluginViolation,
} from "../../src/core/index.js";

interface Settings {
  errorRateThreshold: number;
  windowMs: number;
  minCalls: number;
  consecutiveFailureThreshold: number;
  cooldownMs: number;
}
interface ToolState {
  calls: number[];
  failures: number[];
  consecutive: number;
  openUntil: number;
  halfOpen: boolean;
  probeInFlight: boolean;
  probeStarted: number;
}
type Partial_ = Record<string, unknown>;

function apply(s: Settings, m: Partial_): Settings {
  const int = (k: string): number | undefined => {
    const v = m[k];
    if (v === undefined || v === null) return undefined;
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new Error(`circuit_breaker: ${k}: expected an integer >= 1`);
    return v as number;
  };
  const out = { ...s };
  const r = m["error_rate_threshold"];
  if (r !== undefined && r !== null) {
    if (typeof r !== "number" || r < 0 || r > 1)
      throw new Error("circuit_breaker: error_rate_threshold: expected a number in [0,1]");
    out.errorRateThreshold = r;
  }
  const w = int("window_seconds");
  if (w !== undefined) out.windowMs = w * 1000;
  const mc = int("min_calls");
  if (mc !== undefined) out.minCalls = mc;
  const c = int("consecutive_failure_threshold");
  if (c !== undefined) out.consecutiveFailureThreshold = c;
  const cd = int("cooldown_seconds");
  if (cd !== undefined) out.cooldownMs = cd * 1000;
  return out;
}

export function createCircuitBreaker(config: Partial_ = {}, now: () => number = Date.now) {
  const base = apply(
    {
      errorRateThreshold: 0.5,
      windowMs: 60_000,
      minCalls: 10,
      consecutiveFailureThreshold: 5,
      cooldownMs: 60_000,
    },
    config,
  );
  const overrides = new Map<string, Settings>();
  for (const [tool, partial] of Object.entries(
    (config["tool_overrides"] ?? {}) as Record<string, Partial_>,
  )) {
    overrides.set(tool, apply(base, partial));
  }
  const tools = new Map<string, ToolState>();
  const state = (tool: string): ToolState => {
    let st = tools.get(tool);
    if (st === undefined) {
      st = {
        calls: [],
        failures: [],
        consecutive: 0,
        openUntil: 0,
        halfOpen: false,
        probeInFlight: false,
        probeStarted: 0,
      };
      tools.set(tool, st);
    }
    return st;
  };
  const violation = (
    code: string,
    reason: string,
    description: string,
    tool: string,
    retry: number,
  ): PluginViolation => ({
    code,
    reason,
    description,
    details: { tool, retry_after_ms: retry },
  });

  return definePlugin({
    name: "circuit_breaker",
    hooks: {
      tool_pre_invoke(p, _ext, ctx) {
        const t = now();
        const cool = (overrides.get(p.name) ?? base).cooldownMs;
        const st = state(p.name);
        if (st.halfOpen && st.probeInFlight) {
          if (t - st.probeStarted > cool) {
            st.halfOpen = st.probeInFlight = false;
            st.probeStarted = 0;
            st.openUntil = t + cool;
          } else {
            return PluginResult.deny(
              violation(
                "CIRCUIT_HALF_OPEN",
                "Circuit half-open",
                `Probe request in progress for tool '${p.name}'`,
                p.name,
                1000,
              ),
            );
          }
        }
        if (st.openUntil !== 0 && t >= st.openUntil) {
          st.halfOpen = st.probeInFlight = true;
          st.probeStarted = t;
          st.openUntil = 0;
        }
        if (st.openUntil !== 0 && t < st.openUntil) {
          return PluginResult.deny(
            violation(
              "CIRCUIT_OPEN",
              "Circuit open",
              `Breaker open for tool '${p.name}'`,
              p.name,
              st.openUntil - t,
            ),
          );
        }
        ctx.set("cb_call_time_ms", t);
        ctx.set("cb_probe", st.halfOpen);
        return undefined;
      },
      tool_post_invoke(p, _ext, ctx) {
        const t = now();
        const s = overrides.get(p.name) ?? base;
        const st = state(p.name);
        const cutoff = t - s.windowMs;
        while (st.calls.length > 0 && st.calls[0]! < cutoff) st.calls.shift();
        while (st.failures.length > 0 && st.failures[0]! < cutoff) st.failures.shift();
        const stored = ctx.get("cb_call_time_ms");
        const start = typeof stored === "number" ? stored : t;
        st.calls.push(start);
        const r = p.result;
        const obj =
          typeof r === "object" && r !== null && !Array.isArray(r)
            ? (r as Record<string, unknown>)
            : undefined;
        const error =
          obj === undefined
            ? false
            : "is_error" in obj
              ? obj["is_error"] === true
              : "isError" in obj
                ? obj["isError"] === true
                : false;
        const probe = ctx.get("cb_probe") === true;
        if (error) {
          st.failures.push(start);
          st.consecutive++;
          if (probe) {
            st.halfOpen = st.probeInFlight = false;
            st.probeStarted = 0;
            st.openUntil = t + s.cooldownMs;
          }
        } else {
          st.consecutive = 0;
          if (probe) {
            st.halfOpen = st.probeInFlight = false;
            st.probeStarted = 0;
          }
        }
        const n = st.calls.length;
        const f = st.failures.length;
        const rate = n === 0 ? 0 : f / n;
        if (
          st.openUntil === 0 &&
          ((n >= s.minCalls && rate >= s.errorRateThreshold) ||
            st.consecutive >= s.consecutiveFailureThreshold)
        ) {
          st.openUntil = t + s.cooldownMs;
        }
        const metadata: JsonObject = {
          circuit_breaker: {
            calls_in_window: n,
            failures_in_window: f,
            failure_rate_permille: n === 0 ? 0 : Math.floor((f * 1000) / n),
            consecutive_failures: st.consecutive,
            state: st.openUntil !== 0 ? "open" : st.halfOpen ? "half_open" : "closed",
            open_until_ms: st.openUntil,
          },
        };
        return { continueProcessing: true, metadata };
      },
    },
  });
}

/** Factory for YAML (`kind: examples/circuit_breaker`); `now` lets tests drive the clock. */
export function circuitBreakerFactory(now: () => number = Date.now): PluginFactory {
  return { create: (config) => createCircuitBreaker((config.config ?? {}) as Partial_, now) };
}
