// The worker's side of `cpex.http_request`: the guest's thread posts the request bytes to the main thread on the
// slot's HTTP port and blocks (Atomics.wait) until the main thread has answered or the call's deadline passes.
// JSPI is not available on Node 20, so blocking the worker is how a synchronous import waits for I/O; the event
// loop, on the main thread, is never blocked. The main thread bumps HTTP_WORD after each answer (and on a
// cancellation), which wakes the wait; answers to requests already given up on are recognised by `seq` and dropped.

import { type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { HTTP_WORD, type HttpAnswer, type HttpAsk } from "../worker/protocol.js";

/** An answer without its sequence number (each kind keeps its own fields). */
export type HttpReply = HttpAnswer extends infer A ? (A extends HttpAnswer ? Omit<A, "seq"> : never) : never;

export interface HttpLine {
  readonly port: MessagePort;
  /** The slot's shared words (CANCEL_WORD, HTTP_WORD). */
  readonly shared: Int32Array;
}

let seq = 0;

/**
 * Ask the main thread to perform a request for call `call` and wait for the answer until `deadline`
 * (performance.now() time). `interrupted` is the call's cancellation flag.
 */
export function blockingHttp(
  line: HttpLine,
  call: number,
  request: Uint8Array,
  deadline: number,
  interrupted: () => boolean,
): HttpReply {
  const mine = ++seq;
  const ask: HttpAsk = { t: "http", seq: mine, call, request, deadline: performance.timeOrigin + deadline };
  line.port.postMessage(ask);
  for (;;) {
    const seen = Atomics.load(line.shared, HTTP_WORD);
    for (let m = receiveMessageOnPort(line.port); m !== undefined; m = receiveMessageOnPort(line.port)) {
      const answer = m.message as HttpAnswer;
      if (answer.seq === mine) {
        const { seq: _, ...reply } = answer;
        return reply as HttpReply;
      }
    }
    if (interrupted()) return { kind: "timeout" };
    const left = deadline - performance.now();
    if (left <= 0) return { kind: "timeout" };
    Atomics.wait(line.shared, HTTP_WORD, seen, left);
  }
}
