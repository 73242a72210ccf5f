//! Runs every vector of vectors.json natively (cargo runs tests from the crate folder, so `rules/` is found).
use rule_file_guard::{parse_rules, RuleFileGuard};

#[test]
fn vectors() {
    assert_eq!(cpex_sdk::testing::check_vectors::<RuleFileGuard>(include_str!("../vectors.json")), 4);
}

#[test]
fn parse_rules_skips_comments_and_blanks() {
    assert_eq!(parse_rules("a\n\n# c\n b # x\n"), vec!["a".to_string(), "b".to_string()]);
}

#[test]
fn a_missing_rule_file_fails_init() {
    let err = cpex_sdk::testing::init::<RuleFileGuard>(serde_json::json!({ "rules_file": "rules/nope.txt" })).err();
    assert_eq!(err.map(|e| e.code), Some("file_unreadable".to_string()));
}
