//! Typed payloads of the built-in hooks and the `Hook` marker types that bind a hook name to its payload.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A hook: its name and payload type (`HookTypeDef` in CPEX).
pub trait Hook {
    /// The hook name the host invokes, e.g. `tool_pre_invoke`.
    const NAME: &'static str;
    /// The payload type.
    type Payload: Serialize + DeserializeOwned;
}

/// `tool_pre_invoke` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolPreInvokePayload {
    /// Tool name.
    pub name: String,
    /// Tool arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Map<String, Value>>,
    /// Headers to send with the tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
}

/// `tool_post_invoke` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolPostInvokePayload {
    /// Tool name.
    pub name: String,
    /// Tool result.
    #[serde(default)]
    pub result: Value,
}

/// `prompt_pre_fetch` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptPrehookPayload {
    /// Prompt id.
    pub prompt_id: String,
    /// Prompt arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<BTreeMap<String, String>>,
}

/// `prompt_post_fetch` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptPosthookPayload {
    /// Prompt id.
    pub prompt_id: String,
    /// Rendered prompt.
    #[serde(default)]
    pub result: Value,
}

/// `resource_pre_fetch` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePreFetchPayload {
    /// Resource URI (a missing or non-string `uri` reads as empty, as CPEX hosts treat it).
    #[serde(default, deserialize_with = "lenient_string")]
    pub uri: String,
    /// Request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// `resource_post_fetch` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePostFetchPayload {
    /// Resource URI.
    pub uri: String,
    /// Fetched content.
    #[serde(default)]
    pub content: Value,
}

/// `cmf.*` message hooks payload: `{ message: Message }` kept as JSON (content parts tagged by `content_type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePayload {
    /// The CMF message.
    pub message: Value,
}

macro_rules! hooks {
    ($($(#[$doc:meta])* $marker:ident = $name:literal => $payload:ty;)*) => {
        $(
            $(#[$doc])*
            pub struct $marker;
            impl Hook for $marker {
                const NAME: &'static str = $name;
                type Payload = $payload;
            }
        )*
    };
}

hooks! {
    /// `tool_pre_invoke`
    ToolPreInvoke = "tool_pre_invoke" => ToolPreInvokePayload;
    /// `tool_post_invoke`
    ToolPostInvoke = "tool_post_invoke" => ToolPostInvokePayload;
    /// `prompt_pre_fetch`
    PromptPreFetch = "prompt_pre_fetch" => PromptPrehookPayload;
    /// `prompt_post_fetch`
    PromptPostFetch = "prompt_post_fetch" => PromptPosthookPayload;
    /// `resource_pre_fetch`
    ResourcePreFetch = "resource_pre_fetch" => ResourcePreFetchPayload;
    /// `resource_post_fetch`
    ResourcePostFetch = "resource_post_fetch" => ResourcePostFetchPayload;
    /// `cmf.tool_pre_invoke`
    CmfToolPreInvoke = "cmf.tool_pre_invoke" => MessagePayload;
    /// `cmf.tool_post_invoke`
    CmfToolPostInvoke = "cmf.tool_post_invoke" => MessagePayload;
    /// `cmf.llm_input`
    CmfLlmInput = "cmf.llm_input" => MessagePayload;
    /// `cmf.llm_output`
    CmfLlmOutput = "cmf.llm_output" => MessagePayload;
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        _ => String::new(),
    })
}
