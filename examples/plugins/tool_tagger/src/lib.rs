//! `tool_tagger` (example-plugins §3.3): appends security labels and stamps request headers from rules on the
//! tool name and argument keys; the payload is untouched. Needs `read_labels`, `append_labels`, `read_headers`,
//! `write_headers`.

use cpex_sdk::*;

struct Rule {
    tools: Vec<String>,
    arg_keys: Vec<String>,
    labels: Vec<String>,
    headers: Vec<(String, String)>,
}

/// The plugin, configured once at init.
pub struct ToolTagger {
    rules: Vec<Rule>,
    static_headers: Vec<(String, String)>,
    request_id_header: Option<String>,
    labels_header: Option<String>,
    overwrite_headers: bool,
}

fn bad(message: String) -> PluginError {
    PluginError::new("tool_tagger.invalid_config", message)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, PluginError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(format!("{}: expected strings", what)))).collect(),
        Some(_) => Err(bad(format!("{}: expected a list", what))),
    }
}

fn headers(v: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, PluginError> {
    let map = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad(format!("{}: expected a map", what))),
    };
    map.iter()
        .map(|(k, v)| {
            let v = v.as_str().ok_or_else(|| bad(format!("{}.{}: expected a string", what, k)))?;
            if !is_token(k) {
                return Err(bad(format!("{}: '{}' is not a valid header name", what, k)));
            }
            if v.contains('\r') || v.contains('\n') {
                return Err(bad(format!("{}.{}: CR/LF in a header value", what, k)));
            }
            Ok((k.clone(), v.to_string()))
        })
        .collect()
}

fn header_name(v: Option<&Value>, what: &str) -> Result<Option<String>, PluginError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if is_token(s) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{}: expected a header name", what))),
    }
}

impl Plugin for ToolTagger {
    fn init(config: Value) -> Result<Self, PluginError> {
        let empty = Map::new();
        let c = config.as_object().unwrap_or(&empty);
        let mut rules = Vec::new();
        if let Some(list) = c.get("rules").filter(|v| !v.is_null()) {
            let list = list.as_array().ok_or_else(|| bad("rules: expected a list".into()))?;
            for (i, r) in list.iter().enumerate() {
                let tools = strings(r.get("tools"), &format!("rules[{}].tools", i))?;
                if tools.is_empty() {
                    return Err(bad(format!("rules[{}].tools: must not be empty", i)));
                }
                rules.push(Rule {
                    tools,
                    arg_keys: strings(r.get("arg_keys"), &format!("rules[{}].arg_keys", i))?,
                    labels: strings(r.get("labels"), &format!("rules[{}].labels", i))?,
                    headers: headers(r.get("headers"), &format!("rules[{}].headers", i))?,
                });
            }
        }
        Ok(ToolTagger {
            rules,
            static_headers: headers(c.get("static_headers"), "static_headers")?,
            request_id_header: header_name(c.get("request_id_header"), "request_id_header")?,
            labels_header: header_name(c.get("labels_header"), "labels_header")?,
            overwrite_headers: c.get("overwrite_headers").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// Whole-string glob: `*` any run, `?` one Unicode scalar, case-sensitive.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

impl ToolTagger {
    /// Classify one call.
    pub fn tag(&self, tool: &str, args: Option<&Map<String, Value>>, ext: &Extensions) -> PluginResult<ToolPreInvokePayload> {
        let empty = Map::new();
        let args = args.unwrap_or(&empty);
        let matched: Vec<usize> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.tools.iter().any(|g| glob(g, tool)) && (r.arg_keys.is_empty() || r.arg_keys.iter().any(|k| args.contains_key(k))))
            .map(|(i, _)| i)
            .collect();
        let existing: Vec<String> = ext.security.as_ref().map(|s| s.labels.clone()).unwrap_or_default();
        let mut added: Vec<String> = Vec::new();
        for &i in &matched {
            for l in &self.rules[i].labels {
                if !existing.iter().chain(added.iter()).any(|e| e.eq_ignore_ascii_case(l)) {
                    added.push(l.clone());
                }
            }
        }
        let final_labels: Vec<String> = existing.iter().chain(added.iter()).cloned().collect();

        let mut headers_changed = false;
        let mut work: Vec<(String, String)> = Vec::new();
        if let Some(http) = &ext.http {
            work = http.request_headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let original = work.clone();
            let mut ops: Vec<(String, String)> = self.static_headers.clone();
            for &i in &matched {
                ops.extend(self.rules[i].headers.iter().cloned());
            }
            if let (Some(h), Some(id)) = (&self.request_id_header, ext.request.as_ref().and_then(|r| r.get("request_id")).and_then(Value::as_str)) {
                if !id.is_empty() {
                    ops.push((h.clone(), id.to_string()));
                }
            }
            if let Some(h) = &self.labels_header {
                if !final_labels.is_empty() {
                    let mut sorted = final_labels.clone();
                    sorted.sort();
                    sorted.dedup();
                    ops.push((h.clone(), sorted.join(",")));
                }
            }
            for (n, v) in ops {
                let lower = n.to_ascii_lowercase();
                match work.iter().position(|(k, _)| k.to_ascii_lowercase() == lower) {
                    Some(_) if !self.overwrite_headers => {}
                    Some(pos) => {
                        work.remove(pos);
                        work.push((n, v));
                    }
                    None => work.push((n, v)),
                }
            }
            let mut a = work.clone();
            let mut b = original;
            a.sort();
            b.sort();
            headers_changed = a != b;
        }
        if added.is_empty() && !headers_changed {
            return PluginResult::allow();
        }
        let mut patch = Map::new();
        if !added.is_empty() {
            patch.insert("security".into(), json!({ "labels": final_labels }));
        }
        if headers_changed {
            let mut h = Map::new();
            for (k, v) in work {
                h.insert(k, json!(v));
            }
            patch.insert("http".into(), json!({ "request_headers": h }));
        }
        let mut r = PluginResult::modify_extensions(Value::Object(patch));
        let mut metadata = Map::new();
        metadata.insert("tool_tagger".into(), json!({ "matched_rules": matched, "labels_added": added }));
        r.metadata = Some(metadata);
        r
    }
}

impl HookHandler<ToolPreInvoke> for ToolTagger {
    fn handle(&mut self, p: &ToolPreInvokePayload, ext: &Extensions, _: &mut PluginContext) -> Result<PluginResult<ToolPreInvokePayload>, PluginError> {
        Ok(self.tag(&p.name, p.args.as_ref(), ext))
    }
}

export_plugin!(ToolTagger, [ToolPreInvoke]);
