//! Runs every vector of vectors.json natively, with the SDK's test responder standing in for the service.
use cpex_sdk::http::{HttpError, Response};
use cpex_sdk::testing::set_http_responder;
use remote_allowlist::{query_escape, RemoteAllowlist};
use std::collections::BTreeMap;

fn service() {
    set_http_responder(|req| {
        let tool = req.url.split("?tool=").nth(1).unwrap_or("");
        let ok = tool == "search" || tool == "get%20weather";
        Ok(Response { status: if ok { 200 } else { 403 }, headers: BTreeMap::new(), body: if ok { b"allow".to_vec() } else { b"deny".to_vec() } })
    });
}

#[test]
fn vectors() {
    service();
    assert_eq!(cpex_sdk::testing::check_vectors::<RemoteAllowlist>(include_str!("../vectors.json")), 3);
}

#[test]
fn an_unreachable_service_denies() {
    set_http_responder(|_| Err(HttpError { code: "connect_failed".to_string(), message: "refused".to_string() }));
    let mut h = cpex_sdk::testing::Harness::<RemoteAllowlist>::new(serde_json::json!({ "url": "http://127.0.0.1:1/allow" })).unwrap();
    let out = h.call("tool_pre_invoke", serde_json::json!({ "name": "search" }), serde_json::Value::Null, serde_json::Value::Null);
    let text = format!("{:?}", out);
    assert!(text.contains("allowlist_unavailable"), "{}", text);
}

#[test]
fn escapes_query_values() {
    assert_eq!(query_escape("a b/c?d"), "a%20b%2Fc%3Fd");
}
