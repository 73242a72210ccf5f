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
        HOST.with(|h| {
            *h.borrow_mut() = TestHost {
                hook: hook.as_bytes().to_vec(),
                payload: encode(&payload),
                extensions: if extensions.is_null() { Vec::new() } else { encode(&extensions) },
                context: if context.is_null() { Vec::new() } else { encode(&context) },
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

/// Build a plugin from a config through its `Plugin::init`, for init-error tests.
pub fn init<P: Plugin>(config: Value) -> Result<P, PluginError> {
    P::init(config)
}
