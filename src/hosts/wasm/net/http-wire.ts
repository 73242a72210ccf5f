// The MessagePack messages of `cpex.http_request` (docs/abi.md §3.5) and their limits. The request is decoded on
// the main thread with the host's strict decoder (the worker only passes bytes); a malformed one ends the call
// with `abi_violation`. The response is a map the guest reads with `http_response_read`.

import { encode } from "../abi/msgpack.js";
import { abiViolation } from "../errors.js";

/** Largest request message (URL, headers and body, encoded). */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Largest response body; a longer one is cut off and reported as `response_too_large`. */
export const MAX_RESPONSE_BODY_BYTES = 1024 * 1024;
/** Largest response head (status line and headers), Node's `maxHeaderSize`. */
export const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;
/** Requests one guest call may make. */
export const MAX_REQUESTS_PER_CALL = 16;

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export type HttpResult =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly body: Uint8Array;
    }
  | {
      readonly kind: "error";
      readonly code: "connect_failed" | "response_too_large" | "bad_response";
      readonly message: string;
    };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers the host sets or that change how the connection is used: a guest may not set them. */
const RESERVED = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "keep-alive",
  "expect",
  "proxy-authorization",
  "proxy-connection",
]);

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Check a decoded request map; throws `abi_violation` naming the field. */
export function requestFromWire(v: unknown): HttpRequest {
  if (!isMap(v)) throw abiViolation("http_request: the request must be a MessagePack map");
  for (const k of Object.keys(v)) {
    if (!["method", "url", "headers", "body"].includes(k))
      throw abiViolation(`http_request: unknown key '${k.slice(0, 64)}'`);
  }
  const { method = "GET", url, headers = {}, body } = v;
  if (typeof method !== "string") throw abiViolation("http_request: method must be a string");
  if (typeof url !== "string" || url.length > 8192)
    throw abiViolation("http_request: url must be a string of at most 8192 characters");
  if (!isMap(headers)) throw abiViolation("http_request: headers must be a map of strings");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw abiViolation(`http_request: '${name.slice(0, 64)}' is not a header name`);
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw abiViolation(
        `http_request: header ${name}: the value must be a string without control characters`,
      );
    }
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || lower.startsWith("proxy-"))
      throw abiViolation(`http_request: header ${name} is set by the host`);
    out[lower] = value;
  }
  let bytes: Uint8Array;
  if (body === undefined || body === null) bytes = new Uint8Array(0);
  else if (typeof body === "string") bytes = new TextEncoder().encode(body);
  else if (body instanceof Uint8Array) bytes = body;
  else throw abiViolation("http_request: body must be bin or str");
  return { method, url, headers: out, body: bytes };
}

/** The response message the guest reads. */
export function resultToWire(r: HttpResult): Uint8Array {
  if (r.kind === "error") return encode({ error: { code: r.code, message: r.message } });
  return encode({ status: r.status, headers: r.headers, body: r.body });
}
