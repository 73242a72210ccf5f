//! # cpex-sdk
//!
//! Write CPEX plugins in Rust that run in the cpex WebAssembly host (ABI v1, `docs/abi.md`), with the type names
//! of CPEX Rust: [`Plugin`], [`HookHandler`], [`PluginResult`], [`PluginViolation`], [`PluginError`],
//! [`PluginContext`], [`Extensions`] and the hook payloads. The same crate builds natively, where
//! [`testing::Harness`] runs a plugin without a host (`cargo test`).
//!
//! ```text
//! use cpex_sdk::*;
//! struct Guard;
//! impl Plugin for Guard { fn init(_: serde_json::Value) -> Result<Self, PluginError> { Ok(Guard) } }
//! impl HookHandler<ToolPreInvoke> for Guard {
//!     fn handle(&mut self, p: &ToolPreInvokePayload, _: &Extensions, _: &mut PluginContext)
//!         -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
//!         if p.name == "shell_exec" { return Ok(PluginResult::deny(PluginViolation::new("blocked", "no shell"))); }
//!         Ok(PluginResult::allow())
//!     }
//! }
//! export_plugin!(Guard, [ToolPreInvoke]);
//! ```
#![deny(missing_docs)]

pub mod abi;
mod extensions;
pub mod files;
pub mod hook_section;
pub mod http;
mod payloads;
/// Plugin traits and the glue used by [`export_plugin!`].
pub mod plugin;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
mod types;
pub mod walk;

pub use extensions::{Extensions, HttpExtension, MetaExtension, SecurityExtension};
pub use payloads::*;
pub use plugin::{run_hook, Dispatch, HookHandler, Plugin};
pub use serde::{Deserialize, Serialize};
pub use serde_json::{json, Map, Value};
pub use types::{PluginContext, PluginError, PluginResult, PluginViolation};

/// The ABI version this SDK implements.
pub const ABI_VERSION: i32 = 1;

/// Log through the host's logger at info level.
pub fn log_info(text: &str) {
    abi::log(2, text);
}
