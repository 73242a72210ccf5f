// Outbound HTTP for a guest, performed on the main thread (the guest's worker thread waits for it). Order of
// checks: the URL and method parse, an allow rule admits them (network-policy.ts), the host name resolves to an
// address the rule allows (no private addresses behind a DNS name), then the host connects to exactly that
// address — no second lookup, so a name cannot be re-pointed between the check and the connection. Redirects
// are never followed (a 3xx is returned as it is), the response is bounded, and the whole exchange ends at the
// call's deadline.

import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { NetworkRule } from "../limits.js";
import {
  type HttpRequest,
  type HttpResult,
  MAX_RESPONSE_BODY_BYTES,
  MAX_RESPONSE_HEADER_BYTES,
} from "./http-wire.js";
import { addressAllowed, admit, parseTarget } from "./network-policy.js";

export type HttpOutcome =
  | { readonly kind: "result"; readonly result: HttpResult }
  | { readonly kind: "denied"; readonly message: string }
  | { readonly kind: "timeout" };

export interface HttpClientOptions {
  /** Name resolution (tests inject one); default: the system resolver, every address. */
  readonly lookup?: (host: string) => Promise<string[]>;
}

const systemLookup = async (host: string): Promise<string[]> =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

const epochNow = (): number => performance.timeOrigin + performance.now();

/** Perform `req` for a guest allowed `rules`, by `deadline` (epoch ms). Never throws. */
export async function performHttp(
  req: HttpRequest,
  rules: readonly NetworkRule[],
  deadline: number,
  options: HttpClientOptions = {},
): Promise<HttpOutcome> {
  const target = parseTarget(req.url, req.method);
  if ("reason" in target) return { kind: "denied", message: `${req.url.slice(0, 256)}: ${target.reason}` };
  const decision = admit(rules, target);
  const where = `${target.method} ${target.scheme}://${target.host}:${target.port}`;
  if (!decision.ok) return { kind: "denied", message: `${where}: ${decision.reason}` };
  let addresses: string[];
  if (isIP(target.host) !== 0) addresses = [target.host];
  else {
    try {
      addresses = await withDeadline((options.lookup ?? systemLookup)(target.host), deadline);
    } catch (err) {
      if (err === TIMEOUT) return { kind: "timeout" };
      return fail(
        "connect_failed",
        `${target.host} does not resolve: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  const address = addresses.find((a) => addressAllowed(decision.rule, a));
  if (address === undefined) {
    return {
      kind: "denied",
      message: `${where}: ${target.host} resolves to a private or reserved address (${addresses.slice(0, 4).join(", ")}), which a rule naming a DNS name does not allow`,
    };
  }
  const remaining = deadline - epochNow();
  if (remaining <= 0) return { kind: "timeout" };
  const defaultPort = target.scheme === "https" ? 443 : 80;
  const hostHeader = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}${target.port === defaultPort ? "" : `:${target.port}`}`;
  const headers: Record<string, string> = { ...req.headers, host: hostHeader, connection: "close" };
  if (req.body.length > 0 || !["GET", "HEAD"].includes(target.method))
    headers["content-length"] = String(req.body.length);
  return new Promise<HttpOutcome>((resolve) => {
    let settled = false;
    const done = (o: HttpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.destroy();
      resolve(o);
    };
    const send = target.scheme === "https" ? httpsRequest : httpRequest;
    const r = send(
      {
        host: address,
        port: target.port,
        method: target.method,
        path: target.path,
        headers,
        agent: false,
        maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
        ...(target.scheme === "https" && isIP(target.host) === 0 ? { servername: target.host } : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BODY_BYTES) {
            done(fail("response_too_large", `the response body exceeds ${MAX_RESPONSE_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
          const body = new Uint8Array(Buffer.concat(chunks, size));
          done({
            kind: "result",
            result: { kind: "response", status: res.statusCode ?? 0, headers: out, body },
          });
        });
        res.on("error", (e) => done(fail("bad_response", e.message)));
      },
    );
    const timer = setTimeout(() => done({ kind: "timeout" }), remaining);
    r.on("error", (e: NodeJS.ErrnoException) => {
      const code =
        e.code === "HPE_HEADER_OVERFLOW"
          ? "response_too_large"
          : e.code?.startsWith("HPE_")
            ? "bad_response"
            : "connect_failed";
      done(fail(code, `${where}: ${e.code ?? e.message}`));
    });
    r.end(req.body.length > 0 ? Buffer.from(req.body) : undefined);
  });
}

function fail(code: Extract<HttpResult, { kind: "error" }>["code"], message: string): HttpOutcome {
  return { kind: "result", result: { kind: "error", code, message } };
}

const TIMEOUT = Symbol("timeout");

function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(TIMEOUT), Math.max(0, deadline - epochNow()));
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
