// The wasm worker thread: hosts guest instances of worker-mode plugins and runs one call at a time, exactly as the
// inline host does (same GuestInstance: fuel, deadline, memory, WASI and ABI rules). The main thread sends bytes
// in and gets bytes back (protocol.ts); it decodes and validates results itself.

import { parentPort } from "node:worker_threads";
import { GuestStop } from "../errors.js";
import { GuestInstance } from "../guest.js";
import { blockingHttp, type HttpLine } from "../net/blocking-http.js";
import { clockFrom, realClock, seededRandom, systemRandom, type WasiClock } from "../wasi/preview1.js";
import { CANCEL_WORD, type FromWorker, type GuestSpec, type ToWorker, type WireOutcome } from "./protocol.js";

interface Hosted {
  readonly module: WebAssembly.Module;
  readonly spec: GuestSpec;
  guest: GuestInstance | undefined;
  /** Reading for `clock: "call"` instances, set before each call. */
  clockNs: bigint;
}

const port = parentPort;
if (port === null) throw new Error("worker/entry.ts must run in a worker thread");
// The slot's cancel word arrives in the first message ("attach"); until then nothing can be cancelled.
let cancel: Int32Array<ArrayBufferLike> = new Int32Array(4);
let httpLine: HttpLine | undefined;
const hosted = new Map<number, Hosted>();
let currentCall = -1;
let logs: Array<readonly [number, string]> = [];

const toLocal = (epochMs: number): number => epochMs - performance.timeOrigin;
const interrupted = (): boolean => Atomics.load(cancel, CANCEL_WORD) === currentCall;

function newGuest(h: Hosted): GuestInstance {
  const spec = h.spec;
  const clock: WasiClock = spec.clock === "real" ? realClock : clockFrom(() => h.clockNs);
  return new GuestInstance({
    name: spec.name,
    module: h.module,
    limits: spec.limits,
    memoryCapPages: spec.memoryCapPages,
    configBytes: spec.configBytes,
    env: spec.env,
    clock,
    random: spec.randomSeed === undefined ? systemRandom : seededRandom(spec.randomSeed),
    log: (level, text) => logs.push([level, text]),
    keepResultBytes: true,
    interrupted,
    testImports: spec.testImports,
    files: spec.files,
    http: (request, deadline) =>
      httpLine === undefined
        ? { kind: "denied", message: "this worker has no HTTP port" }
        : blockingHttp(httpLine, currentCall, request, deadline, interrupted),
  });
}

/** Start (or restart) an instance under its start-up limits; the main thread's hard kill backs them up. */
function start(h: Hosted): void {
  const g = newGuest(h);
  g.start();
  h.guest = g;
}

function reply(msg: FromWorker): void {
  // Result bytes are a fresh copy (GuestInstance keeps them with slice()): transfer, do not clone.
  const bytes = msg.t === "result" && msg.outcome.kind === "returned" ? msg.outcome.resultBytes : undefined;
  if (bytes !== undefined) port?.postMessage(msg, [bytes.buffer as ArrayBuffer]);
  else port?.postMessage(msg);
  logs = [];
}

port.postMessage({ t: "ready" } satisfies FromWorker);

port.on("message", (msg: ToWorker) => {
  if (msg.t === "attach") {
    cancel = new Int32Array(msg.cancel);
    httpLine = { port: msg.http, shared: cancel };
    return;
  }
  if (msg.t === "drop") {
    hosted.delete(msg.instance);
    return;
  }
  if (msg.t === "create") {
    const h: Hosted = { module: msg.module, spec: msg.spec, guest: undefined, clockNs: 0n };
    hosted.set(msg.instance, h);
    try {
      start(h);
      reply({ t: "created", id: msg.id, logs });
    } catch (err) {
      hosted.delete(msg.instance);
      const stop = err instanceof GuestStop ? err : new GuestStop("init_failed", String(err));
      reply({
        t: "create_failed",
        id: msg.id,
        code: stop.code,
        message: stop.message,
        details: stop.details,
        logs,
      });
    }
    return;
  }
  const h = hosted.get(msg.instance);
  const telemetry = { fuel_used: 0, host_fuel: 0, duration_ms: 0, memory_pages: 0 };
  if (h === undefined) {
    const outcome: WireOutcome = {
      kind: "host",
      code: "plugin_unavailable",
      message: "instance not loaded",
      telemetry,
    };
    reply({ t: "result", id: msg.id, outcome, logs });
    return;
  }
  currentCall = msg.id;
  if (msg.clockNs !== undefined) h.clockNs = msg.clockNs;
  if (msg.recycle || h.guest === undefined || !h.guest.alive) {
    try {
      start(h);
    } catch (err) {
      h.guest = undefined;
      const stop = err instanceof GuestStop ? err : new GuestStop("init_failed", String(err));
      const outcome: WireOutcome = {
        kind: "stopped",
        code: "init_failed",
        message: `re-instantiation failed: ${stop.message}`,
        details: stop.details,
        logDropped: 0,
        telemetry,
      };
      reply({ t: "result", id: msg.id, outcome, logs });
      return;
    }
  }
  const [a, b] = msg.split;
  const payload = new Uint8Array(msg.inputs, 0, a);
  const extensions = new Uint8Array(msg.inputs, a, b - a);
  const context = new Uint8Array(msg.inputs, b);
  const o = (h.guest as GuestInstance).call({
    hook: msg.hook,
    payload: () => payload,
    extensions: () => extensions,
    context: () => context,
    deadline: toLocal(msg.deadline),
  });
  const outcome: WireOutcome =
    o.kind === "returned"
      ? {
          kind: "returned",
          status: o.status,
          resultBytes: o.resultBytes,
          error: o.error,
          logDropped: o.logDropped,
          telemetry: o.telemetry,
        }
      : o;
  reply({ t: "result", id: msg.id, outcome, logs });
});
