//! CPEX result, violation, error and context types, with the snake_case wire names of CPEX.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why a plugin asks the pipeline to stop (`PluginViolation` in CPEX). The host stamps `plugin_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginViolation {
    /// Machine-readable code, e.g. `URL_REPUTATION_BLOCK`.
    pub code: String,
    /// Short human-readable reason.
    pub reason: String,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Structured details for callers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
    /// Protocol error code for the caller (MCP / JSON-RPC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto_error_code: Option<i64>,
}

impl PluginViolation {
    /// A violation with a code and a reason.
    pub fn new(code: impl Into<String>, reason: impl Into<String>) -> Self {
        PluginViolation { code: code.into(), reason: reason.into(), description: None, details: None, proto_error_code: None }
    }

    /// Set the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Set the details map.
    pub fn with_details(mut self, details: Map<String, Value>) -> Self {
        self.details = Some(details);
        self
    }
}

/// The outcome of one handler (`PluginResult<P>` in CPEX), generic over the hook's payload type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginResult<P> {
    /// `false` together with a violation denies the request.
    pub continue_processing: bool,
    /// The complete replacement payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_payload: Option<P>,
    /// A patch of the writable extension slots (`http` headers, `security.labels`, `delegation`, `custom`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_extensions: Option<Value>,
    /// Why the request is denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<PluginViolation>,
    /// Informational metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl<P> PluginResult<P> {
    /// Continue, nothing changed.
    pub fn allow() -> Self {
        PluginResult { continue_processing: true, modified_payload: None, modified_extensions: None, violation: None, metadata: None }
    }

    /// Stop the request with a violation.
    pub fn deny(violation: PluginViolation) -> Self {
        PluginResult { continue_processing: false, violation: Some(violation), ..Self::allow() }
    }

    /// Continue with a replacement payload.
    pub fn modify_payload(payload: P) -> Self {
        PluginResult { modified_payload: Some(payload), ..Self::allow() }
    }

    /// Continue with extension edits (a patch of the writable slots).
    pub fn modify_extensions(patch: Value) -> Self {
        PluginResult { modified_extensions: Some(patch), ..Self::allow() }
    }

    /// Whether this result denies.
    pub fn is_denied(&self) -> bool {
        !self.continue_processing
    }
}

/// A plugin failure (`PluginError` in CPEX). The host applies the plugin's `on_error` policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginError {
    /// Error code, e.g. `invalid_config` (codes the host reserves are prefixed with `guest.` by the host).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

impl PluginError {
    /// An error with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        PluginError { code: code.into(), message: message.into(), details: None }
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Per-request plugin state (`PluginContext`): `local_state` is this plugin's, `global_state` is shared by the
/// serial plugins of the pipeline. Changes are sent back to the host after the handler returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginContext {
    /// This plugin's state for the current request (threaded from a pre hook to its post hook).
    #[serde(default)]
    pub local_state: Map<String, Value>,
    /// State shared by the serial plugins of the pipeline (last writer wins).
    #[serde(default)]
    pub global_state: Map<String, Value>,
}

impl PluginContext {
    /// Read a local value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.local_state.get(key)
    }

    /// Write a local value.
    pub fn set(&mut self, key: impl Into<String>, value: Value) {
        self.local_state.insert(key.into(), value);
    }
}
