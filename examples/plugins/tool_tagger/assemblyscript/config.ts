// tool_tagger's configuration, checked once at init with the same rules and messages as the Rust and native
// TypeScript versions: a bad header name or a CR/LF in a value fails the load instead of reaching a request.

import { Kind, PluginError, Value, ValueMap } from "../../../../sdk/assemblyscript/assembly/index";

export class Rule {
  tools: string[] = [];
  argKeys: string[] = [];
  labels: string[] = [];
  headerNames: string[] = [];
  headerValues: string[] = [];
}

export class Config {
  rules: Rule[] = [];
  staticNames: string[] = [];
  staticValues: string[] = [];
  requestIdHeader: string | null = null;
  labelsHeader: string | null = null;
  overwriteHeaders: bool = false;
}

const TOKEN_PUNCTUATION = "!#$%&'*+-.^_`|~";

/** An HTTP header name (RFC 9110 token). */
export function isToken(s: string): bool {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && TOKEN_PUNCTUATION.indexOf(String.fromCharCode(c)) < 0) return false;
  }
  return true;
}

/** Reads the config, keeping the first problem (AssemblyScript has no exceptions to carry it). */
class ConfigReader {
  error: PluginError | null = null;

  bad(message: string): void {
    if (this.error === null) this.error = new PluginError("tool_tagger.invalid_config", message);
  }

  strings(v: Value | null, what: string): string[] {
    const out = new Array<string>(0);
    if (v === null || v.isNil) return out;
    if (!v.isArray) {
      this.bad(what + ": expected a list");
      return out;
    }
    const items = v.list;
    for (let i = 0; i < items.length; i++) {
      if (!items[i].isString) {
        this.bad(what + ": expected strings");
        return out;
      }
      out.push(items[i].str);
    }
    return out;
  }

  headers(v: Value | null, what: string, names: string[], values: string[]): void {
    if (v === null || v.isNil) return;
    if (!v.isMap) {
      this.bad(what + ": expected a map");
      return;
    }
    const m = v.map!;
    for (let i = 0; i < m.size; i++) {
      const k = m.keys[i];
      const value = m.values[i];
      let problem: string | null = null;
      if (!value.isString) problem = what + "." + k + ": expected a string";
      else if (!isToken(k)) problem = what + ": '" + k + "' is not a valid header name";
      else if (value.str.includes("\r") || value.str.includes("\n"))
        problem = what + "." + k + ": CR/LF in a header value";
      if (problem !== null) {
        this.bad(problem);
        return;
      }
      names.push(k);
      values.push(value.str);
    }
  }

  headerName(v: Value | null, what: string): string | null {
    if (v === null || v.isNil) return null;
    if (v.isString && isToken(v.str)) return v.str;
    this.bad(what + ": expected a header name");
    return null;
  }
}

/** The config, or the error that fails the load. */
export function readConfig(config: Value, out: Config): PluginError | null {
  const r = new ConfigReader();
  const c = config.isMap ? config.map! : new ValueMap();
  const rules = c.get("rules");
  if (rules !== null && !rules.isNil) {
    if (!rules.isArray) r.bad("rules: expected a list");
    const list = rules.list;
    for (let i = 0; i < list.length; i++) {
      const at = "rules[" + i.toString() + "]";
      const rule = new Rule();
      rule.tools = r.strings(list[i].get("tools"), at + ".tools");
      if (rule.tools.length === 0) r.bad(at + ".tools: must not be empty");
      rule.argKeys = r.strings(list[i].get("arg_keys"), at + ".arg_keys");
      rule.labels = r.strings(list[i].get("labels"), at + ".labels");
      r.headers(list[i].get("headers"), at + ".headers", rule.headerNames, rule.headerValues);
      out.rules.push(rule);
    }
  }
  r.headers(c.get("static_headers"), "static_headers", out.staticNames, out.staticValues);
  out.requestIdHeader = r.headerName(c.get("request_id_header"), "request_id_header");
  out.labelsHeader = r.headerName(c.get("labels_header"), "labels_header");
  const overwrite = c.get("overwrite_headers");
  out.overwriteHeaders = overwrite !== null && overwrite.kind === Kind.Bool && overwrite.bool;
  return r.error;
}
