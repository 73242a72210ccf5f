//! A minimal CPEX plugin: denies tool calls whose name is in the configured `blocked_tools` list.
use cpex_sdk::*;

/// The plugin's state, built once from its YAML `config:`.
pub struct MyPlugin {
    blocked: Vec<String>,
}

impl Plugin for MyPlugin {
    fn init(config: Value) -> Result<Self, PluginError> {
        let blocked = match config.get("blocked_tools") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            Some(_) => return Err(PluginError::new("my_plugin.invalid_config", "blocked_tools: expected a list")),
        };
        Ok(MyPlugin { blocked })
    }
}

impl HookHandler<ToolPreInvoke> for MyPlugin {
    fn handle(
        &mut self,
        payload: &ToolPreInvokePayload,
        _extensions: &Extensions,
        _ctx: &mut PluginContext,
    ) -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
        if self.blocked.iter().any(|t| *t == payload.name) {
            return Ok(PluginResult::deny(PluginViolation::new("tool_blocked", format!("tool '{}' is blocked", payload.name))));
        }
        Ok(PluginResult::allow())
    }
}

// Generates the WebAssembly exports, routes each listed hook to its HookHandler, and declares the list in the
// `cpex.hooks` custom section: the host rejects a YAML `hooks:` entry that is not in it (docs/abi.md §1.1).
export_plugin!(MyPlugin, [ToolPreInvoke]);
