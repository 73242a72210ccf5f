//! Runs every scenario of vectors.json against the native build (fresh breaker per scenario; the clock is the
//! step's `now_ms`, passed to the breaker's pre/post directly).
use circuit_breaker::CircuitBreaker;
use cpex_sdk::{json, Plugin, PluginContext, Value};
use std::collections::HashMap;

fn wire<P: cpex_sdk::Serialize>(r: &cpex_sdk::PluginResult<P>) -> Value {
    serde_json::to_value(r).unwrap()
}

#[test]
fn scenarios() {
    let doc: Value = serde_json::from_str(include_str!("../vectors.json")).unwrap();
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 10);
    for s in scenarios {
        let mut breaker = CircuitBreaker::init(doc["config"].clone()).unwrap();
        let mut contexts: HashMap<String, PluginContext> = HashMap::new();
        for (i, step) in s["steps"].as_array().unwrap().iter().enumerate() {
            let tool = step["tool"].as_str().unwrap();
            let now = step["now_ms"].as_i64().unwrap();
            let ctx = contexts.entry(step["request"].as_str().unwrap().to_string()).or_default();
            let got = if step["hook"] == "tool_pre_invoke" {
                wire(&breaker.pre(tool, now, ctx))
            } else {
                wire(&breaker.post(tool, now, &step["result"], ctx))
            };
            assert_eq!(got, step["expect"], "{} step {}", s["name"], i + 1);
        }
    }
    let _ = json!(null);
}
