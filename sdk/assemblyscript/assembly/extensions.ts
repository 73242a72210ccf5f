// The capability-filtered extensions a plugin receives (docs/abi.md §3.1, slot names as in CPEX). Only slots the
// plugin's capabilities allow are present; sensitive headers are removed by the host. Slots without a typed form
// stay values; `raw` is the whole map as sent.

import { Kind, Value, ValueMap } from "./value";

/** Headers as an ordered list of name/value pairs (names keep the case they arrived with). */
export class Headers {
  names: string[] = [];
  values: string[] = [];

  static from(v: Value | null): Headers {
    const h = new Headers();
    if (v === null || v.kind !== Kind.Map) return h;
    const m = v.map!;
    for (let i = 0; i < m.size; i++) {
      const value = m.values[i];
      if (value.kind === Kind.Str) {
        h.names.push(m.keys[i]);
        h.values.push(value.str);
      }
    }
    return h;
  }
  get size(): i32 {
    return this.names.length;
  }
  /** Case-insensitive (ASCII) lookup of a header's position; -1 when absent. */
  find(name: string): i32 {
    for (let i = 0; i < this.names.length; i++) if (equalsIgnoreAsciiCase(this.names[i], name)) return i;
    return -1;
  }
  get(name: string): string | null {
    const i = this.find(name);
    return i < 0 ? null : this.values[i];
  }
  toValue(): Value {
    const m = new ValueMap();
    for (let i = 0; i < this.names.length; i++) m.set(this.names[i], Value.fromString(this.values[i]));
    return Value.fromMap(m);
  }
}

/** `http`: request/response headers (`read_headers`; writable with `write_headers`). */
export class HttpExtension {
  requestHeaders: Headers = new Headers();
  responseHeaders: Headers = new Headers();
  method: string | null = null;
  path: string | null = null;
}

/** `security`: labels (visible with `read_labels`, appended with `append_labels`) and the rest of the slot. */
export class SecurityExtension {
  labels: string[] = [];
  raw: ValueMap = new ValueMap();
}

/** `meta`: routing metadata. */
export class MetaExtension {
  entityType: string | null = null;
  entityName: string | null = null;
  tags: string[] = [];
}

export class Extensions {
  request: Value | null = null;
  agent: Value | null = null;
  http: HttpExtension | null = null;
  security: SecurityExtension | null = null;
  delegation: Value | null = null;
  mcp: Value | null = null;
  meta: MetaExtension | null = null;
  custom: ValueMap | null = null;
  /** The whole map as the host sent it (completion, provenance, llm, framework… live here too). */
  raw: ValueMap = new ValueMap();

  static from(v: Value | null): Extensions {
    const e = new Extensions();
    if (v === null || v.kind !== Kind.Map) return e;
    const m = v.map!;
    e.raw = m;
    e.request = m.get("request");
    e.agent = m.get("agent");
    e.delegation = m.get("delegation");
    e.mcp = m.get("mcp");
    const http = m.get("http");
    if (http !== null && http.kind === Kind.Map) {
      const h = new HttpExtension();
      h.requestHeaders = Headers.from(http.get("request_headers"));
      h.responseHeaders = Headers.from(http.get("response_headers"));
      h.method = http.getString("method");
      h.path = http.getString("path");
      e.http = h;
    }
    const security = m.get("security");
    if (security !== null && security.kind === Kind.Map) {
      const s = new SecurityExtension();
      s.raw = security.map!;
      s.labels = strings(security.get("labels"));
      e.security = s;
    }
    const meta = m.get("meta");
    if (meta !== null && meta.kind === Kind.Map) {
      const t = new MetaExtension();
      t.entityType = meta.getString("entity_type");
      t.entityName = meta.getString("entity_name");
      t.tags = strings(meta.get("tags"));
      e.meta = t;
    }
    const custom = m.get("custom");
    if (custom !== null && custom.kind === Kind.Map) e.custom = custom.map;
    return e;
  }

  /** The request id (`request.request_id`), or null. */
  get requestId(): string | null {
    const r = this.request;
    return r !== null ? r.getString("request_id") : null;
  }
  /** Case-insensitive label lookup. */
  hasLabel(label: string): bool {
    const s = this.security;
    if (s === null) return false;
    for (let i = 0; i < s.labels.length; i++) if (equalsIgnoreAsciiCase(s.labels[i], label)) return true;
    return false;
  }
  /** Case-insensitive request header lookup. */
  requestHeader(name: string): string | null {
    const h = this.http;
    return h !== null ? h.requestHeaders.get(name) : null;
  }
}

/** The strings of an array value (other items skipped); empty when `v` is not an array. */
export function strings(v: Value | null): string[] {
  const out = new Array<string>(0);
  if (v === null || v.kind !== Kind.Array) return out;
  const items = v.items!;
  for (let i = 0; i < items.length; i++) if (items[i].kind === Kind.Str) out.push(items[i].str);
  return out;
}

/** ASCII lower case (other characters unchanged), as header names and labels are compared. */
export function toAsciiLower(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

export function equalsIgnoreAsciiCase(a: string, b: string): bool {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}
