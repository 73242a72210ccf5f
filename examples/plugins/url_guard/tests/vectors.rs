//! Runs every vector of vectors.json against the native build through the SDK harness.
use cpex_sdk::testing::{Harness, Outcome};
use cpex_sdk::Value;
use url_guard::UrlGuard;

#[test]
fn vectors() {
    let doc: Value = serde_json::from_str(include_str!("../vectors.json")).unwrap();
    let mut harness = Harness::<UrlGuard>::new(doc["config"].clone()).expect("config loads");
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 15);
    for v in vectors {
        let outcome = harness.call(v["hook"].as_str().unwrap(), v["payload"].clone(), Value::Null, Value::Null);
        let result = match outcome {
            Outcome::Result(r) => r.unwrap_or_else(|| serde_json::json!({ "continue_processing": true })),
            Outcome::Error(e) => panic!("{}: plugin error {}", v["name"], e),
        };
        assert_eq!(result, v["expect"], "vector {}", v["name"]);
    }
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<UrlGuard>::new(serde_json::json!({ "block_domains": ["*."] })).is_err());
    assert!(Harness::<UrlGuard>::new(serde_json::json!({ "block_patterns": ["(unclosed"] })).is_err());
}
