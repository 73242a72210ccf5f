// The main thread's side of `cpex.http_request`: it serves one worker's HTTP port. A request counts only for the
// call the worker is running now (the pool knows which), under that plugin's allow rules as the main thread holds
// them — nothing the worker sends widens them — and by the earlier of the call's deadline and the one the pool
// set. The answer is posted back and HTTP_WORD bumped, which wakes the waiting worker (net/blocking-http.ts).

import type { MessagePort } from "node:worker_threads";
import { decodeGuest } from "../abi/host-functions.js";
import { GuestStop } from "../errors.js";
import type { NetworkRule } from "../limits.js";
import { HTTP_WORD, type HttpAnswer, type HttpAsk } from "../worker/protocol.js";
import { type HttpClientOptions, performHttp } from "./http-client.js";
import { MAX_REQUEST_BYTES, requestFromWire, resultToWire } from "./http-wire.js";

/** What the pool knows of the call a worker is running: its plugin's rules and its deadline (epoch ms). */
export type RunningCall = (
  call: number,
) => { readonly rules: readonly NetworkRule[]; readonly deadline: number } | undefined;

export function serveHttp(
  port: MessagePort,
  shared: Int32Array,
  running: RunningCall,
  options: HttpClientOptions = {},
): void {
  port.on("message", (ask: HttpAsk) => {
    void answer(ask, running, options).then((a) => {
      port.postMessage(a);
      Atomics.add(shared, HTTP_WORD, 1);
      Atomics.notify(shared, HTTP_WORD);
    });
  });
  // An idle port never keeps the process alive; a request in flight holds it through its socket.
  port.unref();
}

async function answer(ask: HttpAsk, running: RunningCall, options: HttpClientOptions): Promise<HttpAnswer> {
  const seq = ask.seq;
  const call = running(ask.call);
  if (call === undefined)
    return { seq, kind: "invalid", message: "http_request: no call of this guest is running" };
  if (!(ask.request instanceof Uint8Array) || ask.request.length > MAX_REQUEST_BYTES) {
    return {
      seq,
      kind: "invalid",
      message: `http_request: a request message is at most ${MAX_REQUEST_BYTES} bytes`,
    };
  }
  let req: ReturnType<typeof requestFromWire>;
  try {
    req = requestFromWire(decodeGuest(ask.request, "http_request", "request"));
  } catch (err) {
    if (err instanceof GuestStop) return { seq, kind: "invalid", message: err.message };
    throw err;
  }
  const outcome = await performHttp(req, call.rules, Math.min(ask.deadline, call.deadline), options);
  if (outcome.kind === "denied") return { seq, kind: "denied", message: outcome.message };
  if (outcome.kind === "timeout") return { seq, kind: "timeout" };
  return { seq, kind: "response", bytes: resultToWire(outcome.result) };
}
