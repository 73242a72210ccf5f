//! The JSON walk of the example plugins (example-plugins §3.0): visit every string inside a value, depth-first,
//! keys untouched, and rebuild only the containers whose strings changed.

use crate::types::PluginError;
use serde_json::{Map, Value};

/// Rewrite the strings of `value`. `f` returns `Some(new)` to replace a string. A value deeper than `max_depth`
/// (the root is depth 0) fails with `depth_error` as the error code. Returns `None` when nothing changed.
pub fn rewrite_strings<F>(value: &Value, max_depth: usize, depth_error: &str, f: &mut F) -> Result<Option<Value>, PluginError>
where
    F: FnMut(&str) -> Result<Option<String>, PluginError>,
{
    walk(value, 0, max_depth, depth_error, f)
}

fn walk<F>(v: &Value, depth: usize, max: usize, code: &str, f: &mut F) -> Result<Option<Value>, PluginError>
where
    F: FnMut(&str) -> Result<Option<String>, PluginError>,
{
    if depth > max {
        return Err(PluginError::new(code, format!("value nested deeper than {}", max)));
    }
    match v {
        Value::String(s) => Ok(f(s)?.map(Value::String)),
        Value::Array(items) => {
            let mut out: Option<Vec<Value>> = None;
            for (i, item) in items.iter().enumerate() {
                if let Some(n) = walk(item, depth + 1, max, code, f)? {
                    out.get_or_insert_with(|| items.clone())[i] = n;
                }
            }
            Ok(out.map(Value::Array))
        }
        Value::Object(map) => {
            let mut out: Option<Map<String, Value>> = None;
            for (k, item) in map {
                if let Some(n) = walk(item, depth + 1, max, code, f)? {
                    out.get_or_insert_with(|| map.clone()).insert(k.clone(), n);
                }
            }
            Ok(out.map(Value::Object))
        }
        _ => Ok(None),
    }
}

/// Where a content-scanning plugin looks in a payload, by hook (example-plugins §3.2): `args` for
/// `tool_pre_invoke` / `prompt_pre_fetch`, `result` for `tool_post_invoke`, and for `resource_post_fetch`
/// `content.text` when `content` is an object with a string `text`, else `content` when it is a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `payload.args`
    Args,
    /// `payload.result`
    Result,
    /// `payload.content.text`
    ContentText,
    /// `payload.content`
    Content,
}

impl Target {
    /// The target for `hook` in this payload, if any.
    pub fn for_hook(hook: &str, payload: &Value) -> Option<Target> {
        match hook {
            "tool_pre_invoke" | "prompt_pre_fetch" => Some(Target::Args),
            "tool_post_invoke" => Some(Target::Result),
            "resource_post_fetch" => {
                let content = payload.get("content")?;
                if content.get("text").map_or(false, Value::is_string) {
                    Some(Target::ContentText)
                } else if content.is_string() {
                    Some(Target::Content)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The target value (`None` when missing).
    pub fn get<'a>(&self, payload: &'a Value) -> Option<&'a Value> {
        match self {
            Target::Args => payload.get("args"),
            Target::Result => payload.get("result"),
            Target::ContentText => payload.get("content").and_then(|c| c.get("text")),
            Target::Content => payload.get("content"),
        }
    }

    /// Replace the target value in `payload`.
    pub fn set(&self, payload: &mut Value, new: Value) {
        let slot = match self {
            Target::Args => payload.get_mut("args"),
            Target::Result => payload.get_mut("result"),
            Target::ContentText => payload.get_mut("content").and_then(|c| c.get_mut("text")),
            Target::Content => payload.get_mut("content"),
        };
        if let Some(slot) = slot {
            *slot = new;
        }
    }

    /// How violations name the target: "tool arguments", "prompt arguments", "tool result", "resource content".
    pub fn describe(hook: &str) -> &'static str {
        match hook {
            "tool_pre_invoke" => "tool arguments",
            "prompt_pre_fetch" => "prompt arguments",
            "tool_post_invoke" => "tool result",
            _ => "resource content",
        }
    }
}
