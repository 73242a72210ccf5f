//! `cpex-native-bench <manifest.json>`: times the example plugins compiled natively, on the payload bytes that
//! `npm run bench` wrote (MessagePack, as the wasm host sends them), and prints the timings as JSON on stdout.
//!
//! Each sample is one handler call through the SDK's native harness: the plugin decodes the payload, runs, and its
//! result is decoded back, which is the work the wasm build does minus the sandbox. Timing uses only std
//! (`Instant`): a warm-up, then single-call samples until both the time budget and the minimum count are reached.
use cpex_sdk::plugin::Dispatch;
use cpex_sdk::testing::{Harness, Outcome};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Case {
    name: String,
    plugin: String,
    hook: String,
    config: Value,
    payloads: Vec<Vec<u8>>,
    extensions: Vec<u8>,
    min_samples: usize,
    time: Duration,
}

fn read_bytes(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| fail(&format!("cannot read {}: {}", path, e)))
}

fn fail(message: &str) -> ! {
    eprintln!("cpex-native-bench: {}", message);
    std::process::exit(1)
}

fn parse_case(v: &Value) -> Case {
    let text = |k: &str| v[k].as_str().unwrap_or_else(|| fail(&format!("case field `{}` missing", k))).to_string();
    let payloads: Vec<Vec<u8>> = v["payloads"]
        .as_array()
        .unwrap_or_else(|| fail("case field `payloads` missing"))
        .iter()
        .map(|p| read_bytes(p.as_str().unwrap_or_else(|| fail("payload paths are strings"))))
        .collect();
    if payloads.is_empty() {
        fail("a case needs at least one payload");
    }
    Case {
        name: text("name"),
        plugin: text("plugin"),
        hook: text("hook"),
        config: v["config"].clone(),
        payloads,
        extensions: v["extensions"].as_str().map(read_bytes).unwrap_or_default(),
        min_samples: v["min_samples"].as_u64().unwrap_or(100) as usize,
        time: Duration::from_millis(v["time_ms"].as_u64().unwrap_or(500)),
    }
}

/// Median and p99 of the samples (ns), nearest-rank, as the Node side computes them.
fn summarise(name: &str, mut ns: Vec<u64>) -> Value {
    ns.sort_unstable();
    let at = |q: f64| ns[(((ns.len() as f64) * q).ceil() as usize).saturating_sub(1).min(ns.len() - 1)];
    json!({ "name": name, "median_ns": at(0.5), "p99_ns": at(0.99), "samples": ns.len() })
}

fn run<P: Dispatch>(case: &Case) -> Value {
    let mut h = Harness::<P>::new(case.config.clone())
        .unwrap_or_else(|e| fail(&format!("{}: init failed: {:?}", case.name, e)));
    if let Outcome::Error(e) = h.call_encoded(&case.hook, &case.payloads[0], &case.extensions, &[]) {
        fail(&format!("{}: the handler failed: {:?}", case.name, e));
    }
    let warm_until = Instant::now() + case.time / 5;
    let mut i = 0usize;
    let mut errors = 0usize;
    while Instant::now() < warm_until {
        let payload = &case.payloads[i % case.payloads.len()];
        errors += matches!(h.call_encoded(&case.hook, payload, &case.extensions, &[]), Outcome::Error(_)) as usize;
        i += 1;
    }
    let mut samples = Vec::with_capacity(case.min_samples * 4);
    let start = Instant::now();
    while samples.len() < case.min_samples || start.elapsed() < case.time {
        let payload = &case.payloads[samples.len() % case.payloads.len()];
        let t = Instant::now();
        let outcome = h.call_encoded(&case.hook, payload, &case.extensions, &[]);
        samples.push(t.elapsed().as_nanos() as u64);
        // Looking at the outcome keeps the call observable (std::hint::black_box is newer than this toolchain).
        errors += matches!(outcome, Outcome::Error(_)) as usize;
    }
    if errors > 0 {
        fail(&format!("{}: {} calls failed", case.name, errors));
    }
    summarise(&case.name, samples)
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| fail("usage: cpex-native-bench <manifest.json>"));
    let manifest: Value = serde_json::from_slice(&read_bytes(&path))
        .unwrap_or_else(|e| fail(&format!("{} is not JSON: {}", path, e)));
    let mut out = Vec::new();
    for v in manifest["cases"].as_array().unwrap_or_else(|| fail("manifest has no `cases`")) {
        let case = parse_case(v);
        eprintln!("native_rust {}", case.name);
        out.push(match case.plugin.as_str() {
            "url_guard" => run::<url_guard::UrlGuard>(&case),
            "pii_redactor" => run::<pii_redactor::PiiRedactor>(&case),
            "tool_tagger" => run::<tool_tagger::ToolTagger>(&case),
            "secrets_scanner" => run::<secrets_scanner::SecretsScanner>(&case),
            "circuit_breaker" => run::<circuit_breaker::CircuitBreaker>(&case),
            other => fail(&format!("unknown plugin {}", other)),
        });
    }
    println!("{}", json!({ "cases": out }));
}
