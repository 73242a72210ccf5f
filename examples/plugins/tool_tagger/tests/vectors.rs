//! Runs every vector of vectors.json against the native build through the SDK harness.
use cpex_sdk::testing::Harness;
use cpex_sdk::json;
use tool_tagger::ToolTagger;

#[test]
fn vectors() {
    assert_eq!(cpex_sdk::testing::check_vectors::<ToolTagger>(include_str!("../vectors.json")), 11);
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<ToolTagger>::new(json!({ "rules": [{ "tools": [] }] })).is_err());
    assert!(Harness::<ToolTagger>::new(json!({ "static_headers": { "Bad Header": "x" } })).is_err());
    assert!(Harness::<ToolTagger>::new(json!({ "static_headers": { "X-A": "a\r\nInjected: 1" } })).is_err());
}
