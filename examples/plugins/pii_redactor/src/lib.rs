//! `pii_redactor` (example-plugins §3.2): finds PII in the string values of the hook's target field and masks it
//! (redact / partial / tag), or blocks. Patterns use the portable regex dialect (`\b` is ASCII).

use cpex_sdk::walk::Target;
use cpex_sdk::*;
use regex::Regex;

const NAMES: [&str; 5] = ["ssn", "credit_card", "email", "phone", "ipv4"];

#[derive(Clone, Copy, PartialEq)]
enum Strategy {
    Redact,
    Partial,
    Tag,
}

struct Detector {
    rank: usize,
    patterns: Vec<Regex>,
}

/// The plugin, configured once at init.
pub struct PiiRedactor {
    detectors: Vec<Detector>,
    strategies: [Strategy; 5],
    redaction_text: String,
    allow_values: Vec<String>,
    block_on_detection: bool,
    max_depth: usize,
    max_string_bytes: usize,
}

fn bad(message: String) -> PluginError {
    PluginError::new("pii_redactor.invalid_config", message)
}

fn portable(p: &str) -> Regex {
    Regex::new(&p.replace("\\b", "(?-u:\\b)")).expect("built-in pattern")
}

fn patterns(rank: usize) -> Vec<Regex> {
    match rank {
        0 => vec![portable(r"\b([0-9]{3})-([0-9]{2})-([0-9]{4})\b")],
        1 => vec![portable(r"\b(?:[0-9][ -]?){12,18}[0-9]\b")],
        2 => vec![portable(r"\b[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")],
        3 => vec![
            portable(r"(?:\+1[-. ]?|\b1[-. ])?(?:\([0-9]{3}\)|\b[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}\b"),
            portable(r"\+[1-9][0-9]{9,14}\b"),
        ],
        _ => vec![portable(
            r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\b",
        )],
    }
}

fn strategy(v: &Value, what: &str) -> Result<Strategy, PluginError> {
    match v.as_str() {
        Some("redact") => Ok(Strategy::Redact),
        Some("partial") => Ok(Strategy::Partial),
        Some("tag") => Ok(Strategy::Tag),
        _ => Err(bad(format!("{}: expected redact, partial or tag", what))),
    }
}

impl Plugin for PiiRedactor {
    fn init(config: Value) -> Result<Self, PluginError> {
        let empty = Map::new();
        let c = config.as_object().unwrap_or(&empty);
        let enabled: Vec<String> = match c.get("detectors").filter(|v| !v.is_null()) {
            None => NAMES.iter().map(|s| s.to_string()).collect(),
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad("detectors: expected strings".into()))).collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("detectors: expected a list".into())),
        };
        let mut ranks: Vec<usize> = Vec::new();
        for d in &enabled {
            let rank = NAMES.iter().position(|n| n == d).ok_or_else(|| bad(format!("detectors: unknown detector '{}'", d)))?;
            if !ranks.contains(&rank) {
                ranks.push(rank);
            }
        }
        ranks.sort_unstable();
        let default = match c.get("default_strategy").filter(|v| !v.is_null()) {
            Some(v) => strategy(v, "default_strategy")?,
            None => Strategy::Redact,
        };
        let mut strategies = [default; 5];
        if let Some(m) = c.get("strategies").and_then(Value::as_object) {
            for (k, v) in m {
                let rank = NAMES.iter().position(|n| n == k).ok_or_else(|| bad(format!("strategies: unknown detector '{}'", k)))?;
                strategies[rank] = strategy(v, &format!("strategies.{}", k))?;
            }
        }
        let positive = |k: &str, d: usize| -> Result<usize, PluginError> {
            match c.get(k).filter(|v| !v.is_null()) {
                None => Ok(d),
                Some(v) => v.as_u64().filter(|n| *n >= 1).map(|n| n as usize).ok_or_else(|| bad(format!("{}: expected an integer >= 1", k))),
            }
        };
        Ok(PiiRedactor {
            detectors: ranks.into_iter().map(|rank| Detector { rank, patterns: patterns(rank) }).collect(),
            strategies,
            redaction_text: c.get("redaction_text").and_then(Value::as_str).unwrap_or("[REDACTED]").to_string(),
            allow_values: c.get("allow_values").and_then(Value::as_array).map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default(),
            block_on_detection: c.get("block_on_detection").and_then(Value::as_bool).unwrap_or(false),
            max_depth: positive("max_depth", 32)?,
            max_string_bytes: positive("max_string_bytes", 1_048_576)?,
        })
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn luhn(d: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in d.bytes().rev().enumerate() {
        let mut v = (c - b'0') as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

fn card_ok(m: &str) -> bool {
    let d = digits(m);
    let n = d.len();
    if !(13..=19).contains(&n) || !luhn(&d) {
        return false;
    }
    let p = |k: usize| d[..k].parse::<u32>().unwrap_or(0);
    (d.starts_with('4') && (n == 13 || n == 16 || n == 19))
        || ((d.starts_with("34") || d.starts_with("37")) && n == 15)
        || ((((51..=55).contains(&p(2))) || (2221..=2720).contains(&p(4))) && n == 16)
        || ((d.starts_with("6011") || d.starts_with("65")) && (n == 16 || n == 19))
        || (((d.starts_with("36") || d.starts_with("38") || d.starts_with("39")) || (300..=305).contains(&p(3))) && n == 14)
        || ((3528..=3589).contains(&p(4)) && n == 16)
        || (d.starts_with("62") && (16..=19).contains(&n))
}

fn ssn_ok(m: &str) -> bool {
    let parts: Vec<&str> = m.split('-').collect();
    parts.len() == 3 && parts[0] != "000" && parts[0] != "666" && !parts[0].starts_with('9') && parts[1] != "00" && parts[2] != "0000"
}

fn last4(d: &str) -> &str {
    &d[d.len().saturating_sub(4)..]
}

impl PiiRedactor {
    fn mask(&self, rank: usize, m: &str) -> String {
        match self.strategies[rank] {
            Strategy::Redact => self.redaction_text.clone(),
            Strategy::Tag => format!("[{}]", NAMES[rank].to_ascii_uppercase()),
            Strategy::Partial => match rank {
                0 => format!("***-**-{}", last4(&digits(m))),
                1 => format!("****-****-****-{}", last4(&digits(m))),
                3 => format!("***-***-{}", last4(&digits(m))),
                2 => {
                    let at = m.find('@').unwrap_or(m.len());
                    let (local, domain) = m.split_at(at);
                    let chars: Vec<char> = local.chars().collect();
                    if chars.len() > 2 {
                        format!("{}***{}{}", chars[0], chars[chars.len() - 1], domain)
                    } else {
                        format!("***{}", domain)
                    }
                }
                _ => format!("{}.***.***.***", m.split('.').next().unwrap_or("")),
            },
        }
    }

    /// Scan and rewrite one string; returns the new text and the detector ranks of the kept spans.
    fn scan(&self, s: &str) -> (String, Vec<usize>) {
        let mut cands: Vec<(usize, usize, usize, usize)> = Vec::new();
        for d in &self.detectors {
            for (pi, re) in d.patterns.iter().enumerate() {
                for m in re.find_iter(s) {
                    let text = m.as_str();
                    let valid = match d.rank {
                        0 => ssn_ok(text),
                        1 => card_ok(text),
                        _ => true,
                    };
                    if valid && !self.allow_values.iter().any(|a| a == text) {
                        cands.push((m.start(), m.end(), d.rank, pi));
                    }
                }
            }
        }
        cands.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 - b.0).cmp(&(a.1 - a.0))).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
        let mut out = String::new();
        let mut last = 0;
        let mut kept = Vec::new();
        for (start, end, rank, _) in cands {
            if start < last {
                continue;
            }
            out.push_str(&s[last..start]);
            out.push_str(&self.mask(rank, &s[start..end]));
            last = end;
            kept.push(rank);
        }
        out.push_str(&s[last..]);
        (out, kept)
    }

    /// Process a target value: Ok(None) = nothing found; Ok(Some(Err(violation))) = block; Ok(Some(Ok(..))) = redacted.
    fn process(&self, target: &Value, where_: &str) -> Result<Option<Result<(Value, Map<String, Value>), PluginViolation>>, PluginError> {
        let mut found = Vec::new();
        let rewritten = cpex_sdk::walk::rewrite_strings(target, self.max_depth, "pii.max_depth", &mut |s: &str| {
            if s.len() > self.max_string_bytes {
                return Err(PluginError::new("pii.string_too_large", format!("a string exceeds {} bytes", self.max_string_bytes)));
            }
            let (text, kept) = self.scan(s);
            if kept.is_empty() {
                return Ok(None);
            }
            found.extend(kept);
            Ok(Some(text))
        })?;
        if found.is_empty() {
            return Ok(None);
        }
        let mut types: Vec<&str> = found.iter().map(|&r| NAMES[r]).collect();
        types.sort_unstable();
        types.dedup();
        if self.block_on_detection {
            let mut details = Map::new();
            details.insert("detected_types".into(), json!(types));
            details.insert("count".into(), json!(found.len()));
            return Ok(Some(Err(PluginViolation::new("PII_DETECTED", "PII detected")
                .with_description(format!("Sensitive information detected in {}", where_))
                .with_details(details))));
        }
        let mut metadata = Map::new();
        metadata.insert("pii_redactor".into(), json!({ "total_detections": found.len(), "detection_types": types }));
        Ok(Some(Ok((rewritten.unwrap_or_else(|| target.clone()), metadata))))
    }

    /// The hook result: the target is found by `Target` (args / result / content.text / content), as for
    /// every content-scanning plugin.
    fn apply<P: Serialize + for<'de> Deserialize<'de>>(&self, hook: &str, payload: &P) -> Result<PluginResult<P>, PluginError> {
        let mut whole = serde_json::to_value(payload).map_err(|e| PluginError::new("pii.internal", e.to_string()))?;
        let target = match Target::for_hook(hook, &whole) {
            Some(t) => t,
            None => return Ok(PluginResult::allow()),
        };
        let value = match target.get(&whole) {
            None | Some(Value::Null) => return Ok(PluginResult::allow()),
            Some(v) => v.clone(),
        };
        match self.process(&value, Target::describe(hook))? {
            None => Ok(PluginResult::allow()),
            Some(Err(v)) => Ok(PluginResult::deny(v)),
            Some(Ok((new, metadata))) => {
                target.set(&mut whole, new);
                let p: P = serde_json::from_value(whole).map_err(|e| PluginError::new("pii.internal", e.to_string()))?;
                let mut r = PluginResult::modify_payload(p);
                r.metadata = Some(metadata);
                Ok(r)
            }
        }
    }
}

macro_rules! handlers {
    ($($hook:ty => $payload:ty),*) => {$(
        impl HookHandler<$hook> for PiiRedactor {
            fn handle(&mut self, p: &$payload, _: &Extensions, _: &mut PluginContext) -> Result<PluginResult<$payload>, PluginError> {
                self.apply(<$hook as Hook>::NAME, p)
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

export_plugin!(PiiRedactor, [ToolPreInvoke, PromptPreFetch, ToolPostInvoke, ResourcePostFetch]);
