//! Runs every vector of vectors.json against the native build (`cargo test`).
use my_plugin::MyPlugin;

#[test]
fn vectors() {
    assert!(cpex_sdk::testing::check_vectors::<MyPlugin>(include_str!("../vectors.json")) > 0);
}
