//! `rule_file_guard`: denies tool calls whose name is listed in a rule file. The file lives in a directory the
//! operator grants read-only (`sandbox_policy.allowed_filesystem: [{dir: rules, permission: read-only}]`); the
//! plugin reads it with `std::fs` through WASI when its instance starts, so a missing or unreadable rule file
//! fails the load instead of letting every call through.

use cpex_sdk::*;

/// The plugin: the blocked tool names from the rule file.
pub struct RuleFileGuard {
    blocked: Vec<String>,
    rules_file: String,
}

/// Tool names from the rule file's text: one per line, `#` comments and blank lines ignored.
pub fn parse_rules(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl Plugin for RuleFileGuard {
    fn init(config: Value) -> Result<Self, PluginError> {
        let rules_file = match config.get("rules_file") {
            None | Some(Value::Null) => "rules/blocked_tools.txt".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(PluginError::new("rule_file_guard.invalid_config", "rules_file: expected a path")),
        };
        let blocked = parse_rules(&files::read_to_string(&rules_file)?);
        Ok(RuleFileGuard { blocked, rules_file })
    }
}

impl HookHandler<ToolPreInvoke> for RuleFileGuard {
    fn handle(
        &mut self,
        payload: &ToolPreInvokePayload,
        _extensions: &Extensions,
        _ctx: &mut PluginContext,
    ) -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
        if self.blocked.iter().any(|t| *t == payload.name) {
            return Ok(PluginResult::deny(PluginViolation::new(
                "tool_blocked",
                format!("tool '{}' is listed in {}", payload.name, self.rules_file),
            )));
        }
        Ok(PluginResult::allow())
    }
}

export_plugin!(RuleFileGuard, [ToolPreInvoke]);
