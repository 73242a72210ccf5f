//! Runs every vector of vectors.json against the native build through the SDK harness.
use cpex_sdk::testing::Harness;
use cpex_sdk::json;
use pii_redactor::PiiRedactor;

#[test]
fn vectors() {
    assert_eq!(cpex_sdk::testing::check_vectors::<PiiRedactor>(include_str!("../vectors.json")), 10);
}

#[test]
fn invalid_config_fails_init() {
    assert!(Harness::<PiiRedactor>::new(json!({ "detectors": ["dob"] })).is_err());
    assert!(Harness::<PiiRedactor>::new(json!({ "default_strategy": "hash" })).is_err());
}
