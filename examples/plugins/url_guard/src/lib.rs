//! `url_guard` (example-plugins §3.1): blocks resource fetches to disallowed schemes, private/loopback
//! addresses (SSRF), blocked domains and URL patterns, and high-entropy (DGA-like) hostnames.

use cpex_sdk::*;
use regex::Regex;

/// The plugin, configured once at init.
pub struct UrlGuard {
    allowed_schemes: Vec<String>,
    allow_domains: Vec<String>,
    allow_patterns: Vec<Regex>,
    block_domains: Vec<String>,
    block_patterns: Vec<Regex>,
    block_private_addresses: bool,
    entropy_threshold: Option<f64>,
    max_uri_length: usize,
}

fn config_error(message: String) -> PluginError {
    PluginError::new("url_guard.invalid_config", message)
}

fn strings(config: &Value, key: &str) -> Result<Vec<String>, PluginError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| config_error(format!("{}: expected strings", key))))
            .collect(),
        Some(_) => Err(config_error(format!("{}: expected a list of strings", key))),
    }
}

fn normalize_domain(entry: &str) -> Result<String, PluginError> {
    let mut d = entry.trim_matches(|c| c == ' ' || c == '\t' || c == '\r' || c == '\n').to_ascii_lowercase();
    if let Some(rest) = d.strip_prefix("*.") {
        d = rest.to_string();
    }
    if let Some(rest) = d.strip_prefix('.') {
        d = rest.to_string();
    }
    if let Some(rest) = d.strip_suffix('.') {
        d = rest.to_string();
    }
    if d.is_empty() {
        return Err(config_error(format!("domain entry '{}' is empty after normalization", entry)));
    }
    Ok(d)
}

/// Compile a pattern of the portable dialect: `\b` is an ASCII word boundary.
fn compile(pattern: &str) -> Result<Regex, PluginError> {
    Regex::new(&pattern.replace("\\b", "(?-u:\\b)")).map_err(|e| config_error(format!("pattern '{}': {}", pattern, e)))
}

impl Plugin for UrlGuard {
    fn init(config: Value) -> Result<Self, PluginError> {
        let config = if config.is_null() { json!({}) } else { config };
        let allowed_schemes = match config.get("allowed_schemes") {
            None | Some(Value::Null) => vec!["https".to_string()],
            Some(_) => strings(&config, "allowed_schemes")?.iter().map(|s| s.to_ascii_lowercase()).collect(),
        };
        let domains = |key: &str| -> Result<Vec<String>, PluginError> {
            strings(&config, key)?.iter().map(|d| normalize_domain(d)).collect()
        };
        let patterns = |key: &str| -> Result<Vec<Regex>, PluginError> {
            strings(&config, key)?.iter().map(|p| compile(p)).collect()
        };
        let entropy_threshold = match config.get("entropy_threshold") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_f64().ok_or_else(|| config_error("entropy_threshold: expected a number".into()))?),
        };
        let max_uri_length = match config.get("max_uri_length") {
            None | Some(Value::Null) => 2048,
            Some(v) => v.as_u64().ok_or_else(|| config_error("max_uri_length: expected an integer".into()))? as usize,
        };
        let block_private_addresses = match config.get("block_private_addresses") {
            None | Some(Value::Null) => true,
            Some(v) => v.as_bool().ok_or_else(|| config_error("block_private_addresses: expected a boolean".into()))?,
        };
        Ok(UrlGuard {
            allowed_schemes,
            allow_domains: domains("allow_domains")?,
            allow_patterns: patterns("allow_patterns")?,
            block_domains: domains("block_domains")?,
            block_patterns: patterns("block_patterns")?,
            block_private_addresses,
            entropy_threshold,
            max_uri_length,
        })
    }
}

/// A parsed URL: scheme and normalized host.
struct Parsed {
    scheme: String,
    host: String,
}

fn parse(t: &str) -> Option<Parsed> {
    let colon = t.find(':')?;
    let scheme = &t[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic() || !chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '.' || c == '-') {
        return None;
    }
    let rest = t[colon + 1..].strip_prefix("//")?;
    let end = rest.find(|c| c == '/' || c == '?' || c == '#').unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if authority.contains('\\') {
        return None;
    }
    if let Some(at) = authority.rfind('@') {
        authority = &authority[at + 1..];
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        (&authority[..=close], &authority[close + 1..])
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    if !port.is_empty() {
        let digits = port.strip_prefix(':')?;
        if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if digits.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    let mut host = host.to_ascii_lowercase();
    if host.len() > 1 && host.ends_with('.') {
        host.pop();
    }
    if host.is_empty() || host.contains(' ') || host.contains('\t') {
        return None;
    }
    Some(Parsed { scheme: scheme.to_ascii_lowercase(), host })
}

fn ipv4(h: &str) -> Option<[u32; 4]> {
    let parts: Vec<&str> = h.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = [0u32; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        let v: u32 = p.parse().ok()?;
        if v > 255 {
            return None;
        }
        out[i] = v;
    }
    Some(out)
}

fn private_v4(a: [u32; 4]) -> bool {
    a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (16..=31).contains(&a[1])) || (a[0] == 192 && a[1] == 168)
}

fn is_private(h: &str) -> bool {
    if h == "localhost" || h.ends_with(".localhost") {
        return true;
    }
    if let Some(a) = ipv4(h) {
        return private_v4(a);
    }
    if h == "[::1]" || h == "[::]" {
        return true;
    }
    if ["[fc", "[fd", "[fe8", "[fe9", "[fea", "[feb"].iter().any(|p| h.starts_with(p)) {
        return true;
    }
    if let Some(rest) = h.strip_prefix("[::ffff:") {
        if let Some(inner) = rest.strip_suffix(']') {
            return ipv4(inner).map_or(false, private_v4);
        }
    }
    false
}

fn domain_match(h: &str, list: &[String]) -> bool {
    list.iter().any(|e| h == e || (h.len() > e.len() && h.ends_with(e.as_str()) && h.as_bytes()[h.len() - e.len() - 1] == b'.'))
}

fn entropy(h: &str) -> f64 {
    let bytes = h.as_bytes();
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    let mut e = 0.0;
    for &c in counts.iter() {
        if c > 0 {
            let p = c as f64 / n;
            e -= p * p.log2();
        }
    }
    e
}

fn block(category: &str, host: Option<&str>) -> PluginResult<ResourcePreFetchPayload> {
    let reason = match category {
        "uri_too_long" => "URI too long",
        "malformed_url" => "Could not parse URL",
        "insecure_scheme" => "Scheme not allowed",
        "private_address" => "Private or loopback address",
        "blocked_domain" => "Domain in blocked set",
        "blocked_pattern" => "URL matches blocked pattern",
        _ => "High entropy domain",
    };
    let mut details = Map::new();
    details.insert("category".into(), json!(category));
    if let Some(h) = host {
        details.insert("host".into(), json!(h));
    }
    PluginResult::deny(
        PluginViolation::new("URL_REPUTATION_BLOCK", reason)
            .with_description("Resource fetch blocked by url_guard")
            .with_details(details),
    )
}

impl UrlGuard {
    /// The decision for one URI (exposed for tests).
    pub fn decide(&self, uri: &str) -> PluginResult<ResourcePreFetchPayload> {
        let t = uri.trim_matches(|c| c == ' ' || c == '\t' || c == '\r' || c == '\n');
        if t.len() > self.max_uri_length {
            return block("uri_too_long", None);
        }
        let p = match parse(t) {
            Some(p) => p,
            None => return block("malformed_url", None),
        };
        let host = p.host.as_str();
        if domain_match(host, &self.allow_domains) || self.allow_patterns.iter().any(|r| r.is_match(t)) {
            return PluginResult::allow();
        }
        if !self.allowed_schemes.iter().any(|s| *s == p.scheme) {
            return block("insecure_scheme", Some(host));
        }
        if self.block_private_addresses && is_private(host) {
            return block("private_address", Some(host));
        }
        if domain_match(host, &self.block_domains) {
            return block("blocked_domain", Some(host));
        }
        if self.block_patterns.iter().any(|r| r.is_match(t)) {
            return block("blocked_pattern", Some(host));
        }
        if let Some(threshold) = self.entropy_threshold {
            let is_ip = ipv4(host).is_some() || host.starts_with('[');
            if !is_ip && host.len() >= 8 && entropy(host) > threshold {
                return block("high_entropy_domain", Some(host));
            }
        }
        PluginResult::allow()
    }
}

impl HookHandler<ResourcePreFetch> for UrlGuard {
    fn handle(
        &mut self,
        payload: &ResourcePreFetchPayload,
        _extensions: &Extensions,
        _ctx: &mut PluginContext,
    ) -> Result<PluginResult<ResourcePreFetchPayload>, PluginError> {
        Ok(self.decide(&payload.uri))
    }
}

export_plugin!(UrlGuard, [ResourcePreFetch]);
