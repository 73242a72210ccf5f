// The instrumentation thread (started by offthread.ts): runs `instrument()` for the main thread so that loading a
// plugin never blocks the event loop for the length of the pass. Messages are plain data; the output buffer is
// transferred, not copied.

import { parentPort } from "node:worker_threads";
import { instrument } from "./meter/index.js";
import type { InstrumentReply, InstrumentRequest } from "./offthread.js";

const port = parentPort;
if (port === null) throw new Error("instrument-worker.ts must run in a worker thread");

port.on("message", (msg: InstrumentRequest) => {
  let reply: InstrumentReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const { bytes, report } = instrument(msg.bytes, msg.options);
    reply = { id: msg.id, ok: true, bytes, report };
    transfer = [bytes.buffer];
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: msg.id, ok: false, name: e.name, message: e.message };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ id: 0, ok: true, ready: true });
