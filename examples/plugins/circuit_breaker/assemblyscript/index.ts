// circuit_breaker in AssemblyScript: state across pre/post (the context table) and across requests (fields of the
// plugin instance, which the host keeps between calls). Time comes from the host's clock (WASI
// `clock_time_get`), which tests drive. The same behaviour as the Rust plugin (../src/lib.rs) and the native
// TypeScript one, checked by the same scenarios (../vectors.json).

import {
  Extensions,
  Kind,
  nowMs,
  Outcome,
  Plugin,
  PluginContext,
  PluginError,
  PluginResult,
  PluginViolation,
  registerPlugin,
  ToolPostInvokePayload,
  ToolPreInvokePayload,
  Value,
  ValueMap,
} from "../../../../sdk/assemblyscript/assembly/index";
import { readSettings, Settings } from "./settings";

export { cpex_abi_version, cpex_handle, cpex_init } from "../../../../sdk/assemblyscript/assembly/index";

class ToolState {
  // Call and failure start times inside the window, oldest first; pruned on every report, so they stay bounded.
  calls: i64[] = [];
  failures: i64[] = [];
  consecutive: i64 = 0;
  openUntil: i64 = 0;
  halfOpen: bool = false;
  probeInFlight: bool = false;
  probeStarted: i64 = 0;

  closeProbe(): void {
    this.halfOpen = false;
    this.probeInFlight = false;
    this.probeStarted = 0;
  }
}

function violation(
  code: string,
  reason: string,
  description: string,
  tool: string,
  retry: i64,
): PluginViolation {
  const details = new ValueMap()
    .set("tool", Value.fromString(tool))
    .set("retry_after_ms", Value.fromI64(retry));
  return new PluginViolation(code, reason).withDescription(description).withDetails(details);
}

/** Whether a tool result reports an error: `is_error` wins over `isError`, and only `true` counts. */
function isError(result: Value): bool {
  if (!result.isMap) return false;
  const m = result.map!;
  const snake = m.get("is_error");
  if (snake !== null) return snake.isTrue;
  const camel = m.get("isError");
  return camel !== null && camel.isTrue;
}

class CircuitBreaker extends Plugin {
  base: Settings = new Settings();
  overrides: Map<string, Settings> = new Map();
  tools: Map<string, ToolState> = new Map();

  init(config: Value): PluginError | null {
    return readSettings(config, this.base, this.overrides);
  }

  settings(tool: string): Settings {
    return this.overrides.has(tool) ? this.overrides.get(tool) : this.base;
  }

  state(tool: string): ToolState {
    if (!this.tools.has(tool)) this.tools.set(tool, new ToolState());
    return this.tools.get(tool);
  }

  toolPreInvoke(payload: ToolPreInvokePayload, _ext: Extensions, ctx: PluginContext): Outcome {
    const now = nowMs();
    const tool = payload.name;
    const cool = this.settings(tool).cooldownMs;
    const st = this.state(tool);
    if (st.halfOpen && st.probeInFlight) {
      if (now - st.probeStarted > cool) {
        st.closeProbe();
        st.openUntil = now + cool;
      } else {
        const description = "Probe request in progress for tool '" + tool + "'";
        return Outcome.ok(
          PluginResult.deny(violation("CIRCUIT_HALF_OPEN", "Circuit half-open", description, tool, 1000)),
        );
      }
    }
    if (st.openUntil !== 0 && now >= st.openUntil) {
      st.halfOpen = true;
      st.probeInFlight = true;
      st.probeStarted = now;
      st.openUntil = 0;
    }
    if (st.openUntil !== 0 && now < st.openUntil) {
      const description = "Breaker open for tool '" + tool + "'";
      return Outcome.ok(
        PluginResult.deny(violation("CIRCUIT_OPEN", "Circuit open", description, tool, st.openUntil - now)),
      );
    }
    ctx.set("cb_call_time_ms", Value.fromI64(now));
    ctx.set("cb_probe", Value.fromBool(st.halfOpen));
    return Outcome.ok(PluginResult.allow());
  }

  toolPostInvoke(payload: ToolPostInvokePayload, _ext: Extensions, ctx: PluginContext): Outcome {
    const now = nowMs();
    const tool = payload.name;
    const s = this.settings(tool);
    const st = this.state(tool);
    const cutoff = now - s.windowMs;
    while (st.calls.length > 0 && st.calls[0] < cutoff) st.calls.shift();
    while (st.failures.length > 0 && st.failures[0] < cutoff) st.failures.shift();
    const stored = ctx.get("cb_call_time_ms");
    const start = stored !== null && stored.kind === Kind.Int ? stored.int : now;
    st.calls.push(start);
    const probeValue = ctx.get("cb_probe");
    const probe = probeValue !== null && probeValue.isTrue;
    if (isError(payload.result)) {
      st.failures.push(start);
      st.consecutive++;
      if (probe) {
        st.closeProbe();
        st.openUntil = now + s.cooldownMs;
      }
    } else {
      st.consecutive = 0;
      if (probe) st.closeProbe();
    }
    const n = <i64>st.calls.length;
    const f = <i64>st.failures.length;
    const rate = n === 0 ? 0.0 : <f64>f / <f64>n;
    const tripped =
      (n >= s.minCalls && rate >= s.errorRateThreshold) || st.consecutive >= s.consecutiveFailureThreshold;
    if (st.openUntil === 0 && tripped) st.openUntil = now + s.cooldownMs;
    const state = st.openUntil !== 0 ? "open" : st.halfOpen ? "half_open" : "closed";
    const report = new ValueMap()
      .set("calls_in_window", Value.fromI64(n))
      .set("failures_in_window", Value.fromI64(f))
      .set("failure_rate_permille", Value.fromI64(n === 0 ? 0 : (f * 1000) / n))
      .set("consecutive_failures", Value.fromI64(st.consecutive))
      .set("state", Value.fromString(state))
      .set("open_until_ms", Value.fromI64(st.openUntil));
    return Outcome.ok(
      PluginResult.allow().withMetadata(new ValueMap().set("circuit_breaker", Value.fromMap(report))),
    );
  }
}

registerPlugin(new CircuitBreaker());
