//! Native test harness: run a plugin's handlers without a host, with the same encoding the host uses.

use crate::abi::native::{TestHost, HOST};
use crate::plugin::{Dispatch, Plugin};
use crate::types::PluginError;
use serde_json::Value;

/// What one call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The result map as the host would decode it (`continue_processing`, `violation`, …); `None` = allow.
    Result(Option<Value>),
    /// The plugin reported an error.
    Error(PluginError),
}

/// Runs a plugin natively.
pub struct Harness<P: Dispatch> {
    plugin: P,
}

fn encode(v: &Value) -> Vec<u8> {
    rmp_serde::to_vec_named(v).expect("encodable test input")
}

impl<P: Dispatch> Harness<P> {
    /// Build the plugin from a config, as `cpex_init` would.
    pub fn new(config: Value) -> Result<Self, PluginError> {
        Ok(Harness { plugin: P::init(config)? })
    }

    /// Call `hook` with a payload, extensions and context (JSON values; pass `Value::Null` for none).
    pub fn call(&mut self, hook: &str, payload: Value, extensions: Value, context: Value) -> Outcome {
        let optional = |v: &Value| if v.is_null() { Vec::new() } else { encode(v) };
        self.call_encoded(hook, &encode(&payload), &optional(&extensions), &optional(&context))
    }

    /// Call `hook` with inputs already encoded as the host sends them (MessagePack; empty = none). The plugin
    /// decodes them itself, as in the sandbox: the native Rust benchmark (bench/native-rust) times this path so that
    /// it pays for decoding the payload like the wasm build does.
    pub fn call_encoded(&mut self, hook: &str, payload: &[u8], extensions: &[u8], context: &[u8]) -> Outcome {
        HOST.with(|h| {
            *h.borrow_mut() = TestHost {
                hook: hook.as_bytes().to_vec(),
                payload: payload.to_vec(),
                extensions: extensions.to_vec(),
                context: context.to_vec(),
                ..TestHost::default()
            }
        });
        match self.plugin.dispatch(hook) {
            Err(e) => Outcome::Error(e),
            Ok(()) => {
                let bytes = HOST.with(|h| h.borrow_mut().result.take());
                Outcome::Result(bytes.map(|b| rmp_serde::from_slice(&b).expect("the SDK encodes valid results")))
            }
        }
    }

    /// The plugin, for inspecting its state.
    pub fn plugin(&mut self) -> &mut P {
        &mut self.plugin
    }
}

/// Answer the plugin's [`crate::http::send`] calls natively with `f` (on this thread, until replaced).
pub fn set_http_responder(
    f: impl Fn(&crate::http::Request) -> Result<crate::http::Response, crate::http::HttpError> + 'static,
) {
    crate::abi::native::HTTP.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

/// Build a plugin from a config through its `Plugin::init`, for init-error tests.
pub fn init<P: Plugin>(config: Value) -> Result<P, PluginError> {
    P::init(config)
}

/// Run every vector of a `vectors.json` document (`{config, vectors: [{name, hook, payload, extensions?, config?,
/// expect}]}`) and panic on the first mismatch. An allow without a result is `{"continue_processing": true}`; a
/// plugin error is `{"error": "<code>"}`. Returns how many vectors ran.
pub fn check_vectors<P: Dispatch>(document: &str) -> usize {
    let doc: Value = serde_json::from_str(document).expect("vectors.json is JSON");
    let vectors = doc["vectors"].as_array().expect("a `vectors` list");
    for v in vectors {
        let config = if v["config"].is_null() { doc["config"].clone() } else { v["config"].clone() };
        let mut harness = Harness::<P>::new(config).unwrap_or_else(|e| panic!("{}: config: {}", v["name"], e));
        let hook = v["hook"].as_str().expect("hook");
        let got = match harness.call(hook, v["payload"].clone(), v["extensions"].clone(), Value::Null) {
            Outcome::Result(r) => r.unwrap_or_else(|| serde_json::json!({ "continue_processing": true })),
            Outcome::Error(e) => serde_json::json!({ "error": e.code }),
        };
        assert_eq!(got, v["expect"], "vector {}", v["name"]);
    }
    vectors.len()
}
