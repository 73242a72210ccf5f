//! Runs every vector of vectors.json against the native build (`cargo test`).
use cpex_sdk::testing::{Harness, Outcome};
use cpex_sdk::{json, Value};
use my_plugin::MyPlugin;

#[test]
fn vectors() {
    let doc: Value = serde_json::from_str(include_str!("../vectors.json")).unwrap();
    let mut harness = Harness::<MyPlugin>::new(doc["config"].clone()).expect("config loads");
    for v in doc["vectors"].as_array().unwrap() {
        let result = match harness.call(v["hook"].as_str().unwrap(), v["payload"].clone(), Value::Null, Value::Null) {
            Outcome::Result(r) => r.unwrap_or_else(|| json!({ "continue_processing": true })),
            Outcome::Error(e) => panic!("{}: plugin error {}", v["name"], e),
        };
        assert_eq!(result, v["expect"], "vector {}", v["name"]);
    }
}
