//! Runs every vector of vectors.json against the native build through the SDK harness.
use cpex_sdk::testing::Harness;
use cpex_sdk::json;
use secrets_scanner::SecretsScanner;

#[test]
fn vectors() {
    assert_eq!(cpex_sdk::testing::check_vectors::<SecretsScanner>(include_str!("../vectors.json")), 10);
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<SecretsScanner>::new(json!({ "enabled": { "base64_24": true } })).is_err());
    assert!(Harness::<SecretsScanner>::new(json!({ "min_findings_to_block": 0 })).is_err());
}
