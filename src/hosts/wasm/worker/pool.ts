// The worker pool: threads that host the instances of worker-mode plugins, so a guest never runs on the event
// loop. Each worker runs one call at a time from its queue, kept here on the main thread: a call is sent only
// when the previous one has answered, so cancelling a queued call is just removing it, and exactly one call per
// worker can be running — the one a hard kill fails. Why our own pool rather than a library (piscina, tinypool):
// jobs are pinned to the worker holding the instance (guest state), a kill must fail the running call and replay
// the queued ones on a fresh worker, and cancellation goes through shared memory into the guest's fuel meter.

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { serveHttp } from "../net/http-broker.js";
import {
  CANCEL_WORD,
  type FromWorker,
  type GuestSpec,
  HTTP_WORD,
  SHARED_BYTES,
  type ToWorker,
} from "./protocol.js";

export interface PoolOptions {
  /** Worker threads, started on first use. */
  readonly size: number;
  /** Each worker's JS heap limit (resourceLimits.maxOldGenerationSizeMb); guest memory is capped apart. */
  readonly heapMb: number;
  /** How long past a call's deadline a worker may stay silent before it is terminated. */
  readonly graceMs: number;
}

/** Why a call did not get an answer from its worker. */
export type Unanswered =
  | { readonly kind: "killed"; readonly deadline: number; readonly killedAt: number }
  | { readonly kind: "crashed"; readonly reason: string }
  | { readonly kind: "cancelled" }
  | { readonly kind: "closed" };

export type Answer =
  | { readonly ok: true; readonly msg: FromWorker }
  | { readonly ok: false; readonly why: Unanswered };

type Message = Extract<ToWorker, { t: "create" } | { t: "call" }>;

interface Job {
  readonly msg: Message;
  readonly instance: RemoteInstance;
  /**
   * Epoch ms by which the worker must answer (plus the grace); for start-ups (`create`), whose budget counts
   * from when the worker receives them, the budget in ms.
   */
  readonly deadline: number;
  readonly done: (answer: Answer) => void;
  /** An internal re-create after a respawn: its failure is reported to the call that follows. */
  readonly internal: boolean;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

const DEV = import.meta.url.endsWith(".ts");
const ENTRY = workerScript("./entry", import.meta.url);

/** The URL of a worker script next to `base`: its .ts source when running from sources, else the built .js. */
export function workerScript(relative: string, base: string): URL {
  return new URL(`${relative}${DEV ? ".ts" : ".js"}`, base);
}

/**
 * From dist/ the worker runs entry.js as it is. From the TypeScript sources (tests, tsx) it must first install
 * the same TypeScript loader (a worker's execArgv cannot carry `--import`), so it starts from a small script that
 * registers tsx and then imports entry.ts.
 */
export function startWorker(entry: URL, options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!DEV) return new Worker(entry, options);
  // The ESM build of tsx's API (its CommonJS build cannot be imported from an ES module worker).
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

let nextId = 1;

/** A booted worker not yet serving a slot, and whether it has said it is ready. */
interface Booted {
  readonly worker: Worker;
  ready: boolean;
}

/**
 * One spare worker, kept booted once any worker of the pool has been killed or has crashed: the next respawn then
 * takes it instead of booting a thread (and the TypeScript loader, from sources) while a plugin waits. A pool
 * that never loses a worker never pays for a spare.
 */
class Spares {
  private spare: Booted | undefined;
  private wanted = false;

  constructor(private readonly boot: () => Worker) {}

  /** A booted worker (the spare if there is one), and a new spare started behind it once one is wanted. */
  take(): Booted {
    const spare = this.spare;
    this.spare = undefined;
    if (this.wanted) this.refill();
    if (spare !== undefined) {
      spare.worker.removeAllListeners("message");
      return spare;
    }
    return { worker: this.boot(), ready: false };
  }

  /** A worker was lost: from now on keep a spare. */
  want(): void {
    this.wanted = true;
    if (this.spare === undefined) this.refill();
  }

  private refill(): void {
    const b: Booted = { worker: this.boot(), ready: false };
    b.worker.on("message", (m: FromWorker) => {
      if (m.t === "ready") b.ready = true;
    });
    b.worker.on("exit", () => {
      if (this.spare === b) this.spare = undefined;
    });
    b.worker.unref();
    this.spare = b;
  }

  /** Whether a booted spare is ready to take over (for benchmarks and tests). */
  get ready(): boolean {
    return this.spare?.ready === true;
  }

  async close(): Promise<void> {
    this.wanted = false;
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined) await spare.worker.terminate();
  }
}

/** One plugin instance placed on a worker. */
export class RemoteInstance {
  readonly id = nextId++;
  /** The worker lost it (kill, crash): re-create it before its next call. */
  needsCreate = false;
  /** The main thread rejected its last result: start it fresh before the next call. */
  recycleNext = false;
  pending = 0;

  constructor(
    readonly slot: Slot,
    readonly module: WebAssembly.Module,
    readonly spec: GuestSpec,
  ) {}

  /** Run a call on this instance; resolves with the worker's answer or why there is none. */
  call(
    msg: Omit<Extract<ToWorker, { t: "call" }>, "id" | "instance" | "recycle">,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const recycle = this.recycleNext;
    this.recycleNext = false;
    const full: Message = { ...msg, t: "call", id: nextId++, instance: this.id, recycle };
    return this.slot.run(full, this, msg.deadline, signal);
  }
}

export class Slot {
  private worker: Worker | undefined;
  /** The worker has loaded its code (a fresh worker's start-up is not counted against any call). */
  private ready = false;
  private readonly cancel = new Int32Array(new SharedArrayBuffer(SHARED_BYTES));
  /** The main thread's end of the current worker's HTTP port. */
  private http: MessagePort | undefined;
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the running job's own deadline passes (epoch ms): a kill reports how far past it the worker was. */
  private killAt = 0;
  readonly instances = new Set<RemoteInstance>();
  /** Times a worker of this slot was started (1 + respawns). */
  spawns = 0;
  kills = 0;
  crashes = 0;
  /** Running calls the main thread cancelled (the executor gave up on them). */
  cancels = 0;

  constructor(
    private readonly options: PoolOptions,
    private readonly spares: Spares,
  ) {}

  get load(): number {
    return this.instances.size;
  }

  run(
    msg: Message,
    instance: RemoteInstance,
    deadline: number,
    signal?: AbortSignal,
    internal = false,
  ): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
      instance.pending++;
      const job: Job = {
        msg,
        instance,
        deadline,
        internal,
        done: (answer) => {
          instance.pending--;
          resolve(answer);
        },
      };
      if (signal !== undefined) {
        if (signal.aborted) {
          job.done({ ok: false, why: { kind: "cancelled" } });
          return;
        }
        signal.addEventListener("abort", () => this.abort(job), { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private abort(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.done({ ok: false, why: { kind: "cancelled" } });
    } else if (this.running === job) {
      // The guest's meter polls this word at every refill: the call stops within a slice. A guest waiting for an
      // HTTP answer is woken to see it.
      this.cancels++;
      Atomics.store(this.cancel, CANCEL_WORD, job.msg.id);
      Atomics.add(this.cancel, HTTP_WORD, 1);
      Atomics.notify(this.cancel, HTTP_WORD);
    }
  }

  private spawn(): Worker {
    const booted = this.spares.take();
    const w = booted.worker;
    // The shared words are this slot's: a spare learns them when it is taken. A fresh HTTP port per worker: a
    // replaced worker's late requests have nowhere to go.
    this.http?.close();
    const channel = new MessageChannel();
    this.http = channel.port1;
    serveHttp(channel.port1, this.cancel, (call) => {
      const job = this.running;
      if (this.worker !== w || job === undefined || job.msg.t !== "call" || job.msg.id !== call)
        return undefined;
      return { rules: job.instance.spec.network, deadline: job.deadline };
    });
    w.postMessage(
      {
        t: "attach",
        cancel: this.cancel.buffer as SharedArrayBuffer,
        http: channel.port2,
      } satisfies ToWorker,
      [channel.port2],
    );
    this.spawns++;
    let error: Error | undefined;
    w.on("message", (m: FromWorker) => {
      if (m.t === "ready") {
        if (this.worker !== w) return;
        this.ready = true;
        this.pump();
      } else this.answer(w, m);
    });
    w.on("error", (e) => {
      error = e;
    });
    w.on("exit", (code) => {
      if (this.worker !== w) return; // terminated on purpose (kill or close)
      this.crashes++;
      this.lost(`worker exited with code ${code}${error === undefined ? "" : `: ${error.message}`}`);
    });
    this.worker = w;
    this.ready = booted.ready;
    return w;
  }

  private pump(): void {
    // A worker with work holds the process open (its answer is awaited); an idle one never does.
    const busy = this.running !== undefined || this.queue.length > 0;
    if (busy) this.worker?.ref();
    else this.worker?.unref();
    if (this.running !== undefined || this.queue.length === 0) return;
    const worker = this.worker ?? this.spawn();
    worker.ref();
    if (!this.ready) return; // pumped again when the worker says it is ready
    const job = this.queue.shift() as Job;
    const inst = job.instance;
    if (job.msg.t === "call" && inst.needsCreate) {
      // Re-create the instance on the fresh worker first; its answer is checked when it arrives.
      inst.needsCreate = false;
      this.queue.unshift(job);
      const create: Message = {
        t: "create",
        id: nextId++,
        instance: inst.id,
        module: inst.module,
        spec: inst.spec,
        budgetMs: inst.spec.limits.startupTimeoutMs,
      };
      inst.pending++;
      this.start(
        {
          msg: create,
          instance: inst,
          deadline: create.budgetMs,
          internal: true,
          done: (a) => {
            inst.pending--;
            if (!a.ok || a.msg.t === "create_failed") inst.needsCreate = true;
          },
        },
        worker,
      );
      return;
    }
    this.start(job, worker);
  }

  private start(job: Job, worker: Worker): void {
    this.running = job;
    Atomics.store(this.cancel, CANCEL_WORD, 0);
    // A call sent late (it waited in the queue, or for a fresh worker) still gets the whole grace: the guest
    // stops itself at its deadline, so a worker that answers within the grace is working normally.
    const budget = job.msg.t === "create" ? job.deadline : Math.max(job.deadline - epochNow(), 0);
    this.killAt = epochNow() + budget;
    this.killTimer = setTimeout(() => this.kill(), budget + this.options.graceMs);
    if (job.msg.t === "call") worker.postMessage(job.msg, [job.msg.inputs]);
    else worker.postMessage(job.msg);
  }

  private answer(from: Worker, msg: Exclude<FromWorker, { t: "ready" }>): void {
    const job = this.running;
    // Only the running job's answer counts: anything else is from a worker already replaced.
    if (from !== this.worker || job === undefined || msg.id !== job.msg.id) return;
    clearTimeout(this.killTimer);
    this.running = undefined;
    job.done({ ok: true, msg });
    this.pump();
  }

  /** The running call overran its deadline and grace: terminate the worker, fail the call, replay the queue. */
  private kill(): void {
    const job = this.running;
    const w = this.worker;
    if (job === undefined || w === undefined) return;
    this.kills++;
    this.spares.want();
    this.worker = undefined;
    void w.terminate();
    this.running = undefined;
    for (const inst of this.instances) inst.needsCreate = true;
    job.done({ ok: false, why: { kind: "killed", deadline: this.killAt, killedAt: epochNow() } });
    this.pump(); // queued calls never started: they run on a fresh worker
  }

  private lost(reason: string): void {
    this.spares.want();
    clearTimeout(this.killTimer);
    this.worker = undefined;
    const job = this.running;
    this.running = undefined;
    for (const inst of this.instances) inst.needsCreate = true;
    job?.done({ ok: false, why: { kind: "crashed", reason } });
    this.pump();
  }

  drop(instance: RemoteInstance): void {
    this.instances.delete(instance);
    this.worker?.postMessage({ t: "drop", instance: instance.id } satisfies ToWorker);
  }

  async close(): Promise<void> {
    clearTimeout(this.killTimer);
    this.http?.close();
    this.http = undefined;
    const w = this.worker;
    this.worker = undefined;
    const running = this.running;
    this.running = undefined;
    running?.done({ ok: false, why: { kind: "closed" } });
    for (const job of this.queue.splice(0)) job.done({ ok: false, why: { kind: "closed" } });
    if (w !== undefined) await w.terminate();
  }
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly spares: Spares;

  constructor(readonly options: PoolOptions) {
    this.spares = new Spares(() =>
      startWorker(ENTRY, {
        resourceLimits: {
          maxOldGenerationSizeMb: options.heapMb,
          maxYoungGenerationSizeMb: 16,
          stackSizeMb: 4,
        },
        stdout: false,
        stderr: false,
      }),
    );
    for (let i = 0; i < Math.max(1, options.size); i++) this.slots.push(new Slot(options, this.spares));
  }

  /** Place a new instance on the least-loaded worker and start it there (under its start-up limits). */
  async create(module: WebAssembly.Module, spec: GuestSpec): Promise<RemoteInstance> {
    const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
    const inst = new RemoteInstance(slot, module, spec);
    slot.instances.add(inst);
    const budgetMs = spec.limits.startupTimeoutMs;
    const msg: Message = { t: "create", id: nextId++, instance: inst.id, module, spec, budgetMs };
    const answer = await slot.run(msg, inst, budgetMs);
    if (answer.ok && answer.msg.t === "created") return inst;
    slot.drop(inst);
    if (!answer.ok) throw new Error(describeUnanswered(answer.why, "start-up"));
    const m = answer.msg;
    if (m.t !== "create_failed") throw new Error(`unexpected answer '${m.t}' to a start-up`);
    throw Object.assign(new Error(m.message), { code: m.code, details: m.details, logs: m.logs });
  }

  release(instance: RemoteInstance): void {
    instance.slot.drop(instance);
  }

  /** A spare worker is booted and ready (there is one once a worker has been lost). */
  get spareReady(): boolean {
    return this.spares.ready;
  }

  /** Instances hosted, over all workers. */
  get instanceCount(): number {
    return this.slots.reduce((n, s) => n + s.instances.size, 0);
  }

  stats(): { workers: number; spawns: number; kills: number; crashes: number; cancels: number } {
    return this.slots.reduce(
      (acc, s) => ({
        workers: acc.workers + 1,
        spawns: acc.spawns + s.spawns,
        kills: acc.kills + s.kills,
        crashes: acc.crashes + s.crashes,
        cancels: acc.cancels + s.cancels,
      }),
      { workers: 0, spawns: 0, kills: 0, crashes: 0, cancels: 0 },
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.slots.map((s) => s.close()), this.spares.close()]);
  }
}

export function describeUnanswered(why: Unanswered, what: string): string {
  switch (why.kind) {
    case "killed":
      return `the worker did not answer ${Math.round(why.killedAt - why.deadline)} ms past the ${what} deadline and was terminated (hard kill)`;
    case "crashed":
      return `the worker crashed during ${what}: ${why.reason}`;
    case "cancelled":
      return `${what} cancelled`;
    case "closed":
      return `the worker pool was closed during ${what}`;
  }
}
