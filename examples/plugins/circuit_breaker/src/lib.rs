//! `circuit_breaker` (example-plugins §3.5): state across pre/post (the context table) and across requests
//! (plugin-instance memory). Time comes from the host's clock (WASI `clock_time_get`), injectable in tests.

use cpex_sdk::*;
use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy)]
struct Settings {
    error_rate_threshold: f64,
    window_ms: i64,
    min_calls: usize,
    consecutive_failure_threshold: i64,
    cooldown_ms: i64,
}

#[derive(Default)]
struct ToolState {
    calls: VecDeque<i64>,
    failures: VecDeque<i64>,
    consecutive: i64,
    open_until: i64,
    half_open: bool,
    probe_in_flight: bool,
    probe_started: i64,
}

/// The breaker: base settings, per-tool overrides and per-tool state.
pub struct CircuitBreaker {
    base: Settings,
    overrides: HashMap<String, Map<String, Value>>,
    tools: HashMap<String, ToolState>,
}

fn bad(message: String) -> PluginError {
    PluginError::new("circuit_breaker.invalid_config", message)
}

fn apply(mut s: Settings, m: &Map<String, Value>) -> Result<Settings, PluginError> {
    let int = |k: &str| -> Result<Option<i64>, PluginError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= 1 => Ok(Some(n)),
                _ => Err(bad(format!("{}: expected an integer >= 1", k))),
            },
        }
    };
    if let Some(v) = m.get("error_rate_threshold").filter(|v| !v.is_null()) {
        let r = v.as_f64().filter(|r| (0.0..=1.0).contains(r)).ok_or_else(|| bad("error_rate_threshold: expected a number in [0,1]".into()))?;
        s.error_rate_threshold = r;
    }
    if let Some(n) = int("window_seconds")? {
        s.window_ms = n * 1000;
    }
    if let Some(n) = int("min_calls")? {
        s.min_calls = n as usize;
    }
    if let Some(n) = int("consecutive_failure_threshold")? {
        s.consecutive_failure_threshold = n;
    }
    if let Some(n) = int("cooldown_seconds")? {
        s.cooldown_ms = n * 1000;
    }
    Ok(s)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Plugin for CircuitBreaker {
    fn init(config: Value) -> Result<Self, PluginError> {
        let defaults = Settings { error_rate_threshold: 0.5, window_ms: 60_000, min_calls: 10, consecutive_failure_threshold: 5, cooldown_ms: 60_000 };
        let empty = Map::new();
        let map = config.as_object().unwrap_or(&empty);
        let base = apply(defaults, map)?;
        let mut overrides = HashMap::new();
        if let Some(o) = map.get("tool_overrides").and_then(Value::as_object) {
            for (tool, partial) in o {
                let partial = partial.as_object().ok_or_else(|| bad(format!("tool_overrides.{}: expected a map", tool)))?;
                apply(base, partial)?; // validate now
                overrides.insert(tool.clone(), partial.clone());
            }
        }
        Ok(CircuitBreaker { base, overrides, tools: HashMap::new() })
    }
}

fn violation(code: &str, reason: &str, description: String, tool: &str, retry_after_ms: i64) -> PluginViolation {
    let mut details = Map::new();
    details.insert("tool".into(), json!(tool));
    details.insert("retry_after_ms".into(), json!(retry_after_ms));
    PluginViolation::new(code, reason).with_description(description).with_details(details)
}

impl CircuitBreaker {
    fn settings(&self, tool: &str) -> Settings {
        match self.overrides.get(tool) {
            Some(o) => apply(self.base, o).unwrap_or(self.base),
            None => self.base,
        }
    }

    /// The pre-call decision at time `now` (ms).
    pub fn pre(&mut self, tool: &str, now: i64, ctx: &mut PluginContext) -> PluginResult<ToolPreInvokePayload> {
        let cool = self.settings(tool).cooldown_ms;
        let st = self.tools.entry(tool.to_string()).or_default();
        if st.half_open && st.probe_in_flight {
            if now - st.probe_started > cool {
                st.half_open = false;
                st.probe_in_flight = false;
                st.probe_started = 0;
                st.open_until = now + cool;
            } else {
                return PluginResult::deny(violation(
                    "CIRCUIT_HALF_OPEN",
                    "Circuit half-open",
                    format!("Probe request in progress for tool '{}'", tool),
                    tool,
                    1000,
                ));
            }
        }
        if st.open_until != 0 && now >= st.open_until {
            st.half_open = true;
            st.probe_in_flight = true;
            st.probe_started = now;
            st.open_until = 0;
        }
        if st.open_until != 0 && now < st.open_until {
            return PluginResult::deny(violation(
                "CIRCUIT_OPEN",
                "Circuit open",
                format!("Breaker open for tool '{}'", tool),
                tool,
                st.open_until - now,
            ));
        }
        ctx.set("cb_call_time_ms", json!(now));
        ctx.set("cb_probe", json!(st.half_open));
        PluginResult::allow()
    }

    /// The post-call report at time `now` (ms).
    pub fn post(&mut self, tool: &str, now: i64, result: &Value, ctx: &PluginContext) -> PluginResult<ToolPostInvokePayload> {
        let s = self.settings(tool);
        let st = self.tools.entry(tool.to_string()).or_default();
        let cutoff = now - s.window_ms;
        while st.calls.front().map_or(false, |&t| t < cutoff) {
            st.calls.pop_front();
        }
        while st.failures.front().map_or(false, |&t| t < cutoff) {
            st.failures.pop_front();
        }
        let start = ctx.get("cb_call_time_ms").and_then(Value::as_i64).unwrap_or(now);
        st.calls.push_back(start);
        let error = match result.as_object() {
            Some(o) if o.contains_key("is_error") => o.get("is_error") == Some(&Value::Bool(true)),
            Some(o) if o.contains_key("isError") => o.get("isError") == Some(&Value::Bool(true)),
            _ => false,
        };
        let probe = ctx.get("cb_probe") == Some(&Value::Bool(true));
        if error {
            st.failures.push_back(start);
            st.consecutive += 1;
            if probe {
                st.half_open = false;
                st.probe_in_flight = false;
                st.probe_started = 0;
                st.open_until = now + s.cooldown_ms;
            }
        } else {
            st.consecutive = 0;
            if probe {
                st.half_open = false;
                st.probe_in_flight = false;
                st.probe_started = 0;
            }
        }
        let n = st.calls.len();
        let f = st.failures.len();
        let rate = if n == 0 { 0.0 } else { f as f64 / n as f64 };
        if st.open_until == 0 && ((n >= s.min_calls && rate >= s.error_rate_threshold) || st.consecutive >= s.consecutive_failure_threshold) {
            st.open_until = now + s.cooldown_ms;
        }
        let state = if st.open_until != 0 { "open" } else if st.half_open { "half_open" } else { "closed" };
        let mut report = Map::new();
        report.insert("calls_in_window".into(), json!(n));
        report.insert("failures_in_window".into(), json!(f));
        report.insert("failure_rate_permille".into(), json!(if n == 0 { 0 } else { f * 1000 / n }));
        report.insert("consecutive_failures".into(), json!(st.consecutive));
        report.insert("state".into(), json!(state));
        report.insert("open_until_ms".into(), json!(st.open_until));
        let mut metadata = Map::new();
        metadata.insert("circuit_breaker".into(), Value::Object(report));
        let mut r = PluginResult::allow();
        r.metadata = Some(metadata);
        r
    }
}

impl HookHandler<ToolPreInvoke> for CircuitBreaker {
    fn handle(&mut self, p: &ToolPreInvokePayload, _: &Extensions, ctx: &mut PluginContext) -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
        Ok(self.pre(&p.name, now_ms(), ctx))
    }
}

impl HookHandler<ToolPostInvoke> for CircuitBreaker {
    fn handle(&mut self, p: &ToolPostInvokePayload, _: &Extensions, ctx: &mut PluginContext) -> Result<PluginResult<ToolPostInvokePayload>, PluginError> {
        Ok(self.post(&p.name, now_ms(), &p.result, ctx))
    }
}

export_plugin!(CircuitBreaker, [ToolPreInvoke, ToolPostInvoke]);
