//! Runs every vector of vectors.json against the native build through the SDK harness.
use cpex_sdk::testing::Harness;
use url_guard::UrlGuard;

#[test]
fn vectors() {
    assert_eq!(cpex_sdk::testing::check_vectors::<UrlGuard>(include_str!("../vectors.json")), 15);
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<UrlGuard>::new(serde_json::json!({ "block_domains": ["*."] })).is_err());
    assert!(Harness::<UrlGuard>::new(serde_json::json!({ "block_patterns": ["(unclosed"] })).is_err());
}
