//! `secrets_scanner` (example-plugins §3.4): detects likely credentials with 10 detectors (case-sensitive ones on
//! the text, case-insensitive ones on its ASCII-lowercased copy), merges overlaps by specificity, and blocks,
//! redacts or reports.

use cpex_sdk::walk::{rewrite_strings, Target};
use cpex_sdk::*;
use regex::Regex;

struct Detector {
    name: &'static str,
    default_on: bool,
    case_insensitive: bool,
    group: bool,
    specificity: u8,
    pattern: &'static str,
}

const DETECTORS: [Detector; 10] = [
    Detector { name: "aws_access_key_id", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b" },
    Detector { name: "aws_secret_access_key", default_on: true, case_insensitive: true, group: true, specificity: 0, pattern: r#"aws[^\n]{0,20}(?:secret|access)[^\n]{0,20}[:=][ \t]*["']?([a-z0-9/+=]{40})["']?"# },
    Detector { name: "github_token", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{20,})\b" },
    Detector { name: "google_api_key", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"\bAIza[0-9A-Za-z_-]{35}\b" },
    Detector { name: "slack_token", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"\bxox[abpqr]-[0-9A-Za-z-]{10,80}\b" },
    Detector { name: "stripe_secret_key", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b" },
    Detector { name: "private_key_block", default_on: true, case_insensitive: false, group: false, specificity: 0, pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\r\n\t :,.-]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?" },
    Detector { name: "jwt", default_on: false, case_insensitive: false, group: false, specificity: 1, pattern: r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b" },
    Detector { name: "generic_api_key", default_on: false, case_insensitive: true, group: true, specificity: 1, pattern: r#"\b(?:x[-_])?(?:api[-_]?key|apikey|api[-_]?token|access[-_]?token|auth[-_]?token|bearer[-_]?token|client[-_]?secret)\b["']?[ \t]*[:=][ \t]*["']?([a-z0-9_-]{20,})["']?"# },
    Detector { name: "hex_secret_32", default_on: false, case_insensitive: true, group: false, specificity: 2, pattern: r"\b[0-9a-f]{32,}\b" },
];

/// The plugin, configured once at init.
pub struct SecretsScanner {
    enabled: Vec<(usize, Regex)>,
    redact: bool,
    redaction_text: String,
    block_on_detection: bool,
    min_findings_to_block: usize,
    max_depth: usize,
}

fn bad(message: String) -> PluginError {
    PluginError::new("secrets_scanner.invalid_config", message)
}

impl Plugin for SecretsScanner {
    fn init(config: Value) -> Result<Self, PluginError> {
        let empty = Map::new();
        let c = config.as_object().unwrap_or(&empty);
        let mut on: Vec<bool> = DETECTORS.iter().map(|d| d.default_on).collect();
        if let Some(m) = c.get("enabled").and_then(Value::as_object) {
            for (k, v) in m {
                let i = DETECTORS.iter().position(|d| d.name == k).ok_or_else(|| bad(format!("enabled: unknown detector '{}'", k)))?;
                on[i] = v.as_bool().ok_or_else(|| bad(format!("enabled.{}: expected a boolean", k)))?;
            }
        }
        let positive = |k: &str, d: usize| -> Result<usize, PluginError> {
            match c.get(k).filter(|v| !v.is_null()) {
                None => Ok(d),
                Some(v) => v.as_u64().filter(|n| *n >= 1).map(|n| n as usize).ok_or_else(|| bad(format!("{}: expected an integer >= 1", k))),
            }
        };
        let enabled = DETECTORS
            .iter()
            .enumerate()
            .filter(|(i, _)| on[*i])
            // Portable dialect: `\b` is an ASCII word boundary.
            .map(|(i, d)| (i, Regex::new(&d.pattern.replace("\\b", "(?-u:\\b)")).expect("built-in pattern")))
            .collect();
        Ok(SecretsScanner {
            enabled,
            redact: c.get("redact").and_then(Value::as_bool).unwrap_or(false),
            redaction_text: c.get("redaction_text").and_then(Value::as_str).unwrap_or("***REDACTED***").to_string(),
            block_on_detection: c.get("block_on_detection").and_then(Value::as_bool).unwrap_or(true),
            min_findings_to_block: positive("min_findings_to_block", 1)?,
            max_depth: positive("max_depth", 32)?,
        })
    }
}

struct Span {
    start: usize,
    end: usize,
    specificity: u8,
    name: &'static str,
}

impl SecretsScanner {
    /// Selected spans in one string.
    fn spans(&self, s: &str) -> Vec<Span> {
        let low = s.to_ascii_lowercase();
        let mut cands: Vec<Span> = Vec::new();
        for (i, re) in &self.enabled {
            let d = &DETECTORS[*i];
            let text = if d.case_insensitive { low.as_str() } else { s };
            for caps in re.captures_iter(text) {
                let m = if d.group { caps.get(1) } else { caps.get(0) };
                if let Some(m) = m {
                    cands.push(Span { start: m.start(), end: m.end(), specificity: d.specificity, name: d.name });
                }
            }
        }
        cands.sort_by(|a, b| {
            a.start.cmp(&b.start).then(a.specificity.cmp(&b.specificity)).then((b.end - b.start).cmp(&(a.end - a.start))).then(a.name.cmp(b.name))
        });
        let mut out: Vec<Span> = Vec::new();
        for c in cands {
            match out.last_mut() {
                Some(cur) if c.start < cur.end => {
                    if c.specificity < cur.specificity || (c.specificity == cur.specificity && c.end - c.start > cur.end - cur.start) {
                        cur.name = c.name;
                        cur.specificity = c.specificity;
                    }
                    if c.end > cur.end {
                        cur.end = c.end;
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn run(&self, hook: &str, payload: &Value) -> Result<Option<(bool, Option<Value>, Vec<&'static str>)>, PluginError> {
        let target = match Target::for_hook(hook, payload) {
            Some(t) => t,
            None => return Ok(None),
        };
        let value = match target.get(payload) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let mut names: Vec<&'static str> = Vec::new();
        let rewritten = rewrite_strings(value, self.max_depth, "secrets.max_depth", &mut |s: &str| {
            let spans = self.spans(s);
            if spans.is_empty() {
                return Ok(None);
            }
            names.extend(spans.iter().map(|sp| sp.name));
            if !self.redact {
                return Ok(None);
            }
            let mut out = String::new();
            let mut last = 0;
            for sp in &spans {
                out.push_str(&s[last..sp.start]);
                out.push_str(&self.redaction_text);
                last = sp.end;
            }
            out.push_str(&s[last..]);
            Ok(Some(out))
        })?;
        if names.is_empty() {
            return Ok(None);
        }
        let new_payload = rewritten.map(|new| {
            let mut p = payload.clone();
            target.set(&mut p, new);
            p
        });
        Ok(Some((true, new_payload, names)))
    }

    /// The hook result for a payload given as JSON.
    pub fn decide(&self, hook: &str, payload: &Value) -> Result<(bool, Option<PluginViolation>, Option<Value>, Option<Map<String, Value>>), PluginError> {
        let (_, new_payload, names) = match self.run(hook, payload)? {
            None => return Ok((true, None, None, None)),
            Some(r) => r,
        };
        let count = names.len();
        let mut types = names.clone();
        types.sort_unstable();
        types.dedup();
        if self.block_on_detection && count >= self.min_findings_to_block {
            let mut details = Map::new();
            details.insert("count".into(), json!(count));
            details.insert("types".into(), json!(types));
            let v = PluginViolation::new("SECRETS_DETECTED", "Secrets detected")
                .with_description(format!("Potential secrets detected in {}", Target::describe(hook)))
                .with_details(details);
            return Ok((false, Some(v), None, None));
        }
        let mut metadata = Map::new();
        metadata.insert("secrets_scanner".into(), json!({ "count": count, "types": types, "redacted": self.redact }));
        Ok((true, None, if self.redact { new_payload } else { None }, Some(metadata)))
    }

    fn result<P: Serialize + for<'de> Deserialize<'de>>(&self, hook: &str, payload: &P) -> Result<PluginResult<P>, PluginError> {
        let value = serde_json::to_value(payload).map_err(|e| PluginError::new("secrets.internal", e.to_string()))?;
        let (cont, violation, new_payload, metadata) = self.decide(hook, &value)?;
        if let Some(v) = violation {
            return Ok(PluginResult::deny(v));
        }
        let mut r = PluginResult::allow();
        r.continue_processing = cont;
        if let Some(p) = new_payload {
            r.modified_payload = Some(serde_json::from_value(p).map_err(|e| PluginError::new("secrets.internal", e.to_string()))?);
        }
        r.metadata = metadata;
        Ok(r)
    }
}

macro_rules! handlers {
    ($($hook:ty => $payload:ty),*) => {$(
        impl HookHandler<$hook> for SecretsScanner {
            fn handle(&mut self, p: &$payload, _: &Extensions, _: &mut PluginContext) -> Result<PluginResult<$payload>, PluginError> {
                self.result(<$hook as Hook>::NAME, p)
            }
        }
    )*};
}

handlers!(
    ToolPreInvoke => ToolPreInvokePayload,
    PromptPreFetch => PromptPrehookPayload,
    ToolPostInvoke => ToolPostInvokePayload,
    ResourcePostFetch => ResourcePostFetchPayload
);

export_plugin!(SecretsScanner, [ToolPreInvoke, PromptPreFetch, ToolPostInvoke, ResourcePostFetch]);
