//! The capability-filtered extensions a plugin receives (slot names as in CPEX). Only slots the plugin's
//! capabilities allow are present; sensitive headers are removed by the host.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// HTTP request/response headers (`read_headers`; writable with `write_headers`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpExtension {
    /// Request headers.
    #[serde(default)]
    pub request_headers: BTreeMap<String, String>,
    /// Response headers.
    #[serde(default)]
    pub response_headers: BTreeMap<String, String>,
    /// Request method (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request path (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Security slot: labels are monotonic (append only, with `append_labels`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityExtension {
    /// Security labels (visible with `read_labels`).
    #[serde(default)]
    pub labels: Vec<String>,
    /// The rest of the slot (subject, client, classification, …) as sent by the host.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Request metadata used for routing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetaExtension {
    /// `tool`, `resource`, `prompt` or `llm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// Name of the tool/resource/prompt/model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    /// Host-assigned tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The extensions container (`Extensions` in CPEX). Slots without a typed form are kept as JSON values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extensions {
    /// Request identity (request_id, trace ids…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Agent context (`read_agent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Value>,
    /// HTTP headers (`read_headers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpExtension>,
    /// Security labels and identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityExtension>,
    /// Delegation chain (`read_delegation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Value>,
    /// MCP tool/resource/prompt metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<Value>,
    /// Routing metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaExtension>,
    /// Free-form data shared between plugins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Map<String, Value>>,
    /// Every other slot (completion, provenance, llm, framework, …).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Extensions {
    /// Case-insensitive label lookup.
    pub fn has_label(&self, label: &str) -> bool {
        self.security.as_ref().map_or(false, |s| s.labels.iter().any(|l| l.eq_ignore_ascii_case(label)))
    }

    /// Case-insensitive request header lookup.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.http
            .as_ref()
            .and_then(|h| h.request_headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()))
    }
}
