//! Runs every vector of vectors.json against the native build through the SDK harness (the harness returns the
//! plugin's own result: the extensions patch and metadata, before any host merge).
use cpex_sdk::testing::{Harness, Outcome};
use cpex_sdk::{json, Value};
use tool_tagger::ToolTagger;

#[test]
fn vectors() {
    let doc: Value = serde_json::from_str(include_str!("../vectors.json")).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 11);
    for v in vectors {
        let config = if v["config"].is_null() { doc["config"].clone() } else { v["config"].clone() };
        let mut harness = Harness::<ToolTagger>::new(config).expect("config loads");
        let result = match harness.call("tool_pre_invoke", v["payload"].clone(), v["extensions"].clone(), Value::Null) {
            Outcome::Result(r) => r.unwrap_or_else(|| json!({ "continue_processing": true })),
            Outcome::Error(e) => panic!("{}: plugin error {}", v["name"], e),
        };
        assert_eq!(result, v["expect"], "vector {}", v["name"]);
    }
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<ToolTagger>::new(json!({ "rules": [{ "tools": [] }] })).is_err());
    assert!(Harness::<ToolTagger>::new(json!({ "static_headers": { "Bad Header": "x" } })).is_err());
    assert!(Harness::<ToolTagger>::new(json!({ "static_headers": { "X-A": "a\r\nInjected: 1" } })).is_err());
}
