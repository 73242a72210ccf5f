//! `remote_allowlist`: asks an allow-list service whether a tool may be called — `GET <url>?tool=<name>`,
//! answered `200` with the body `allow`. Anything else denies: another answer (`tool_not_allowed`), and also
//! a service that cannot be reached (`allowlist_unavailable`), so an outage fails closed. Needs
//! `execution: worker` and a network grant for the service (`sandbox_policy.allowed_network`).

use cpex_sdk::http::Request;
use cpex_sdk::*;

/// The plugin: the service's URL.
pub struct RemoteAllowlist {
    url: String,
}

/// `name` with everything but unreserved URL characters percent-encoded.
pub fn query_escape(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

impl Plugin for RemoteAllowlist {
    fn init(config: Value) -> Result<Self, PluginError> {
        match config.get("url") {
            Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(RemoteAllowlist { url: url.clone() })
            }
            _ => Err(PluginError::new("remote_allowlist.invalid_config", "url: expected an http(s) URL")),
        }
    }
}

impl HookHandler<ToolPreInvoke> for RemoteAllowlist {
    fn handle(
        &mut self,
        payload: &ToolPreInvokePayload,
        _extensions: &Extensions,
        _ctx: &mut PluginContext,
    ) -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
        let url = format!("{}?tool={}", self.url, query_escape(&payload.name));
        match Request::get(&url).header("accept", "text/plain").send() {
            Ok(res) if res.status == 200 && res.text().trim() == "allow" => Ok(PluginResult::allow()),
            Ok(res) => Ok(PluginResult::deny(PluginViolation::new(
                "tool_not_allowed",
                format!("the allow-list does not allow tool '{}' (status {})", payload.name, res.status),
            ))),
            Err(e) => Ok(PluginResult::deny(PluginViolation::new(
                "allowlist_unavailable",
                format!("the allow-list could not be asked: {}", e.code),
            ))),
        }
    }
}

export_plugin!(RemoteAllowlist, [ToolPreInvoke]);
