// "Where the time goes" (issue 17, item 5): one case run in a loop under V8's sampling profiler (node:inspector,
// in this process, 50 µs between samples), and every sample's own frame put into a step of the call: encode,
// copy in, guest work, fuel and deadline checks, copy out, decode, validation, pipeline and merge, garbage
// collection. A frame of no step of its own (a builtin, a Node internal, a helper module) counts for the step of
// its nearest caller that has one, so `TextEncoder.encodeInto` under the MessagePack encoder is encoding. The
// bench's own preparation (the fresh payload copy, untimed in the cases) is left out of the shares.
import { Session } from "node:inspector/promises";

export const STEPS = [
  "encode",
  "copy in",
  "guest work",
  "fuel and deadline checks",
  "copy out",
  "decode",
  "validation",
  "pipeline and merge",
  "garbage collection",
  "other",
] as const;
export type Step = (typeof STEPS)[number];

/** What each step is, in plain words, for the report. */
export const STEP_WORDS: Readonly<Record<Step, string>> = {
  encode: "MessagePack of the payload, extensions and context (abi/msgpack.ts, the engine's payload cache)",
  "copy in": "the guest's payload_read/len calls: bounds check and copy into linear memory",
  "guest work": "the plugin's own WebAssembly code (instrumented)",
  "fuel and deadline checks": "the meter's JS side, called from the guest when its fuel slice runs out",
  "copy out": "result_set: bounds check, size limit, a view of the guest's result bytes",
  decode: "the strict MessagePack decoder reading the result (abi/decode.ts, utf8.ts)",
  validation: "the result map checked against the plugin's view and capabilities (abi/result.ts, extensions)",
  "pipeline and merge": "the executor: routing, the call's deadline, merging the result (core/)",
  "garbage collection": "V8's collector, for what the call allocated",
  other: "V8 and Node internals not under a step, the bench's await",
};

/** The parts of a V8 CPU profile this summary reads. */
export interface CpuProfile {
  nodes: ReadonlyArray<{
    id: number;
    callFrame: { functionName: string; url: string };
    children?: readonly number[];
  }>;
  samples?: readonly number[];
}

const HOST = "/src/hosts/wasm/";
const COPY_OUT = new Set(["result_set", "readMessage", "error_set"]);
const DECODE = new Set(["decodeGuest", "chargeItems"]);

/**
 * The step a frame belongs to on its own, or `undefined` when it should take its caller's: "excluded" for the
 * bench's preparation and the profiler's idle time.
 */
export function stepOfFrame(functionName: string, url: string): Step | "excluded" | undefined {
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(idle)" || url.includes("/bench/harness.")) return "excluded";
  if (functionName === "(program)" || functionName === "(root)") return "other";
  if (url.startsWith("wasm://")) return functionName.startsWith("wasm-to-js") ? "copy in" : "guest work";
  if (url.includes(`${HOST}meter/`)) return "fuel and deadline checks";
  if (url.includes(`${HOST}abi/msgpack.`) || url.includes("/node_modules/msgpackr/")) return "encode";
  if (url.includes(`${HOST}engine.`) && functionName === "encodePayload") return "encode";
  if (url.includes(`${HOST}sandbox.`) && functionName === "encodeInput") return "encode";
  if (url.includes(`${HOST}abi/decode.`) || url.includes(`${HOST}abi/utf8.`)) return "decode";
  if (url.includes(`${HOST}abi/host-functions.`)) {
    if (COPY_OUT.has(functionName)) return "copy out";
    if (DECODE.has(functionName)) return "decode";
    return "copy in";
  }
  if (url.includes(`${HOST}abi/result.`) || url.includes("/src/core/extensions/")) return "validation";
  if (url.includes(`${HOST}sandbox.`) && functionName === "settleOutcome") return "validation";
  if (url.includes("/src/core/")) return "pipeline and merge";
  return undefined;
}

export interface StepShare {
  step: Step;
  /** Fraction of the call's samples, 0..1. */
  share: number;
}

/** Shares of the steps in a profile (the steps with no sample left out), largest first. */
export function summariseProfile(profile: CpuProfile): { shares: StepShare[]; samples: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Step | "excluded">();
  const stepOf = (id: number): Step | "excluded" => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const own = node === undefined ? "other" : stepOfFrame(node.callFrame.functionName, node.callFrame.url);
    const up = parent.get(id);
    const step = own ?? (up === undefined ? "other" : stepOf(up));
    memo.set(id, step);
    return step;
  };
  const counts = new Map<Step, number>();
  let total = 0;
  for (const id of profile.samples ?? []) {
    const step = stepOf(id);
    if (step === "excluded") continue;
    counts.set(step, (counts.get(step) ?? 0) + 1);
    total++;
  }
  const shares = STEPS.filter((s) => counts.has(s))
    .map((step) => ({ step, share: (counts.get(step) ?? 0) / total }))
    .sort((a, b) => b.share - a.share);
  return { shares, samples: total };
}

/**
 * Profiles runs of `call(input)` for `ms` milliseconds, each on a fresh input from `prepare()` (prepared inside
 * the loop, left out of the shares by stepOfFrame), after `warmup` runs unprofiled so the figures are of
 * optimised code. Time-bound rather than count-bound, so a fast case gets as many samples as a slow one.
 */
export async function profileCase<T>(
  call: (input: T) => unknown,
  prepare: () => T,
  opts: { ms: number; warmup: number },
): Promise<{ shares: StepShare[]; samples: number; calls: number }> {
  for (let i = 0; i < opts.warmup; i++) await call(prepare());
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 50 });
    await session.post("Profiler.start");
    let calls = 0;
    const stop = performance.now() + opts.ms;
    while (performance.now() < stop) for (let i = 0; i < 16; i++, calls++) await call(prepare());
    const { profile } = await session.post("Profiler.stop");
    return { ...summariseProfile(profile), calls };
  } finally {
    await session.post("Profiler.disable");
    session.disconnect();
  }
}
