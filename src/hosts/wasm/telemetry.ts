// Per-plugin counters for operators: calls, denials, errors by code, fuel and duration histograms, and instance
// recycles — built from the core's introspection (`manager.plugin(name).counters`) and from the traces of the
// invokes it records — and exported as OpenTelemetry metrics when the application passes a meter. The meter is
// taken structurally (`MeterLike`: what `@opentelemetry/api`'s `Meter` has), so cpex needs no runtime dependency
// on OpenTelemetry: `@opentelemetry/api` is an optional peer (docs/limits.md, "Telemetry").

import type { InvokeOptions, PipelineResult, PluginManager } from "../../core/index.js";
import { RECYCLING } from "./errors.js";

/** Upper bounds of the fuel histogram's buckets (the last bucket is everything above). */
export const FUEL_BUCKETS: readonly number[] = [1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Upper bounds of the duration histogram's buckets, in milliseconds. */
export const DURATION_BUCKETS_MS: readonly number[] = [0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000];

export interface Histogram {
  readonly bounds: readonly number[];
  /** counts[i]: values ≤ bounds[i] (and > bounds[i-1]); counts[bounds.length]: the rest. */
  readonly counts: number[];
  sum: number;
  count: number;
}

function histogram(bounds: readonly number[]): Histogram {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
}

function observe(h: Histogram, v: number): void {
  let i = h.bounds.findIndex((b) => v <= b);
  if (i < 0) i = h.bounds.length;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sum += v;
  h.count++;
}

export interface PluginMetrics {
  readonly plugin: string;
  /** From the manager's counters: every call, recorded or not. */
  readonly calls: number;
  readonly denials: number;
  readonly errors: number;
  readonly timeouts: number;
  /** From the recorded invokes: errors by code (`fuel_exhausted`, `timeout`, the plugin's own codes …). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Calls that ended so that the sandbox discarded the instance and starts a fresh one. */
  readonly recycles: number;
  readonly fuel: Readonly<Histogram>;
  readonly durationMs: Readonly<Histogram>;
}

/** The parts of an OpenTelemetry `Meter` this module uses. */
export interface MeterLike {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    add(value: number, attributes?: Record<string, string>): void;
  };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    record(value: number, attributes?: Record<string, string>): void;
  };
}

interface Recorded {
  errorsByCode: Record<string, number>;
  recycles: number;
  fuel: Histogram;
  durationMs: Histogram;
}

export class PluginTelemetry {
  private readonly recorded = new Map<string, Recorded>();
  private readonly instruments: ReturnType<typeof createInstruments> | undefined;

  constructor(
    private readonly manager: PluginManager,
    options: { readonly meter?: MeterLike } = {},
  ) {
    this.instruments = options.meter === undefined ? undefined : createInstruments(options.meter);
  }

  /** `manager.invoke` with a trace, recorded. The result is the manager's, unchanged. */
  async invoke(hook: string, payload: unknown, options: InvokeOptions = {}): Promise<PipelineResult> {
    const result = await this.manager.invoke(hook, payload, { ...options, trace: true });
    this.record(result);
    return result;
  }

  /** Record the trace of a result from `invoke(…, { trace: true })`; a result without a trace adds nothing. */
  record(result: PipelineResult): void {
    for (const t of result.trace ?? []) {
      if (t.outcome === "spawned") continue; // fire-and-forget: its outcome is not known yet
      const r = this.entry(t.plugin);
      const attrs = { plugin: t.plugin, outcome: t.outcome };
      observe(r.durationMs, t.durationMs);
      this.instruments?.calls.add(1, attrs);
      this.instruments?.duration.record(t.durationMs, { plugin: t.plugin });
      const fuel = t.telemetry?.["fuel_used"];
      if (typeof fuel === "number") {
        observe(r.fuel, fuel);
        this.instruments?.fuel.record(fuel, { plugin: t.plugin });
      }
      const code = t.error?.code ?? (t.outcome === "timeout" ? "timeout" : undefined);
      if (code !== undefined) {
        r.errorsByCode[code] = (r.errorsByCode[code] ?? 0) + 1;
        this.instruments?.errors.add(1, { plugin: t.plugin, code });
        if ((RECYCLING as ReadonlySet<string>).has(code)) {
          r.recycles++;
          this.instruments?.recycles.add(1, { plugin: t.plugin });
        }
      }
    }
  }

  /** One plugin's figures, or undefined when the manager has no plugin of that name. */
  plugin(name: string): PluginMetrics | undefined {
    const info = this.manager.plugin(name);
    if (info === undefined) return undefined;
    const r = this.entry(name);
    return {
      plugin: name,
      calls: info.counters.invocations,
      denials: info.counters.denials,
      errors: info.counters.errors,
      timeouts: info.counters.timeouts,
      errorsByCode: { ...r.errorsByCode },
      recycles: r.recycles,
      fuel: structuredClone(r.fuel),
      durationMs: structuredClone(r.durationMs),
    };
  }

  private entry(name: string): Recorded {
    let r = this.recorded.get(name);
    if (r === undefined) {
      r = {
        errorsByCode: {},
        recycles: 0,
        fuel: histogram(FUEL_BUCKETS),
        durationMs: histogram(DURATION_BUCKETS_MS),
      };
      this.recorded.set(name, r);
    }
    return r;
  }
}

function createInstruments(meter: MeterLike) {
  return {
    calls: meter.createCounter("cpex.plugin.calls", { description: "plugin calls by outcome" }),
    errors: meter.createCounter("cpex.plugin.errors", { description: "failed plugin calls by error code" }),
    recycles: meter.createCounter("cpex.plugin.recycles", {
      description: "calls after which the sandbox replaced the plugin's instance",
    }),
    fuel: meter.createHistogram("cpex.plugin.fuel", { description: "fuel used per call", unit: "{fuel}" }),
    duration: meter.createHistogram("cpex.plugin.duration", { description: "time per call", unit: "ms" }),
  };
}
