// Instrumentation off the event-loop thread: one worker thread per process, started on the first load and not
// keeping the process alive when idle. A gateway that loads or reloads plugins stays responsive; the pass itself
// is the same code (instrument-worker.ts calls `instrument()`). If the thread cannot be started or dies, the job
// runs on the calling thread instead: slower, never different.

import type { Worker } from "node:worker_threads";
import {
  InstrumentError,
  type InstrumentOptions,
  InstrumentOptionsError,
  type InstrumentReport,
  instrument,
} from "./meter/index.js";
import { startWorker, workerScript } from "./worker/pool.js";

/** Options a worker can receive: no cost function (functions do not cross threads). */
export type PortableOptions = Omit<InstrumentOptions, "cost">;

export interface InstrumentRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly options: PortableOptions;
}

export type InstrumentReply =
  | { readonly id: number; readonly ok: true; readonly ready: true }
  | {
      readonly id: number;
      readonly ok: true;
      readonly bytes: Uint8Array<ArrayBuffer>;
      readonly report: InstrumentReport;
    }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string };

type Result = { bytes: Uint8Array<ArrayBuffer>; report: InstrumentReport };

interface Job {
  readonly request: InstrumentRequest;
  readonly resolve: (r: Result) => void;
  readonly reject: (e: Error) => void;
}

export class InstrumentThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  /** Jobs the thread finished (the rest ran on the calling thread); for tests and diagnostics. */
  doneOffThread = 0;
  doneInline = 0;
  /** When the current thread finished booting (performance.now()), once it has. */
  readyAt: number | undefined;
  startedAt: number | undefined;

  /** Instrument `bytes` on the thread; rejects with the pass's own error when it refuses the module. */
  run(bytes: Uint8Array, options: PortableOptions): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const request: InstrumentRequest = { id: this.nextId++, bytes, options };
      const job: Job = { request, resolve, reject };
      let worker: Worker;
      try {
        worker = this.ensure();
      } catch {
        this.inline(job);
        return;
      }
      this.jobs.set(request.id, job);
      worker.ref(); // a pending job keeps the process alive until its answer
      worker.postMessage(request);
    });
  }

  /** Start the thread now (a gateway can do this before it loads plugins); resolves when it has booted. */
  start(): Promise<void> {
    const w = this.ensure();
    if (this.readyAt !== undefined) return Promise.resolve();
    w.ref(); // waiting for the boot keeps the process alive
    return new Promise((resolve) => {
      // Resolved by the boot message, or by the thread's end (jobs then run on the calling thread).
      const done = (): void => {
        w.off("message", onMessage);
        w.off("exit", done);
        if (this.jobs.size === 0) w.unref();
        resolve();
      };
      const onMessage = (reply: InstrumentReply): void => {
        if (reply.id === 0) done();
      };
      w.on("message", onMessage);
      w.on("exit", done);
    });
  }

  /** Stop the thread (the next job starts a new one). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }

  private ensure(): Worker {
    if (this.worker !== undefined) return this.worker;
    this.startedAt = performance.now();
    this.readyAt = undefined;
    // Node flags that only make sense for the main script (`--input-type` of `node -e`) would make the thread
    // fail to start.
    const execArgv = process.execArgv.filter((a) => !a.startsWith("--input-type"));
    const w = startWorker(workerScript("./instrument-worker", import.meta.url), { execArgv });
    w.unref();
    w.on("message", (reply: InstrumentReply) => this.answer(w, reply));
    w.on("error", () => this.lost(w));
    w.on("exit", () => this.lost(w));
    this.worker = w;
    return w;
  }

  private answer(w: Worker, reply: InstrumentReply): void {
    if (reply.id === 0) {
      this.readyAt = performance.now();
      return;
    }
    const job = this.jobs.get(reply.id);
    if (job === undefined) return;
    this.jobs.delete(reply.id);
    if (this.jobs.size === 0) w.unref();
    if (!reply.ok) {
      job.reject(
        reply.name === "InstrumentOptionsError"
          ? new InstrumentOptionsError(reply.message)
          : reply.name === "InstrumentError"
            ? new InstrumentError(reply.message)
            : new Error(reply.message),
      );
      return;
    }
    if ("ready" in reply) return;
    this.doneOffThread++;
    job.resolve({ bytes: reply.bytes, report: reply.report });
  }

  /** The thread died or never started: its jobs run here. */
  private lost(w: Worker): void {
    if (this.worker === w) this.worker = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) this.inline(job);
  }

  private inline(job: Job): void {
    try {
      const r = instrument(job.request.bytes, job.request.options);
      this.doneInline++;
      job.resolve(r);
    } catch (err) {
      job.reject(err as Error);
    }
  }
}

let shared: InstrumentThread | undefined;

/** The process's instrumentation thread. */
export function instrumentThread(): InstrumentThread {
  shared ??= new InstrumentThread();
  return shared;
}
