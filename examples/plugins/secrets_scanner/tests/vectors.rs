//! Runs every vector of vectors.json against the native build through the SDK harness (the harness returns the
//! plugin's own result: the extensions patch and metadata, before any host merge).
use cpex_sdk::testing::{Harness, Outcome};
use cpex_sdk::{json, Value};
use secrets_scanner::SecretsScanner;

#[test]
fn vectors() {
    let doc: Value = serde_json::from_str(include_str!("../vectors.json")).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 10);
    for v in vectors {
        let config = if v["config"].is_null() { doc["config"].clone() } else { v["config"].clone() };
        let mut harness = Harness::<SecretsScanner>::new(config).expect("config loads");
        let result = match harness.call(v["hook"].as_str().unwrap(), v["payload"].clone(), Value::Null, Value::Null) {
            Outcome::Result(r) => r.unwrap_or_else(|| json!({ "continue_processing": true })),
            Outcome::Error(e) => json!({ "error": e.code }),
        };
        assert_eq!(result, v["expect"], "vector {}", v["name"]);
    }
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<SecretsScanner>::new(json!({ "enabled": { "base64_24": true } })).is_err());
    assert!(Harness::<SecretsScanner>::new(json!({ "min_findings_to_block": 0 })).is_err());
}
