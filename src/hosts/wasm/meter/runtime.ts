// The host side of metering: hands fuel to an instrumented instance in slices, and at every refill checks the
// budget and the wall-clock deadline — epoch-style interruption without a timer per call. Stopping is decided
// here and recorded in `stopReason`; the guest then traps on `unreachable`, which it cannot catch.

import { FUEL_EXPORT, METER_MODULE, REFILL_NAME } from "./instrument.js";

export type StopReason = "fuel_exhausted" | "timeout";

export interface FuelGaugeOptions {
  /**
   * Fuel per slice: how often the guest comes back to the host to check the deadline. 1 fuel ≈ one instruction
   * (≈ 1 ns of compiled code), so the default of 1 000 000 bounds the overshoot past a deadline to about a
   * millisecond.
   */
  readonly sliceSize?: number;
}

export const DEFAULT_SLICE = 1_000_000;

/** A typed stop for hosts that prefer exceptions. */
export class MeterStop extends Error {
  constructor(
    readonly reason: StopReason,
    readonly fuelUsed: number,
  ) {
    super(
      reason === "fuel_exhausted"
        ? `fuel exhausted after ${fuelUsed} units`
        : `deadline exceeded after ${fuelUsed} units`,
    );
    this.name = "MeterStop";
  }
}

export class FuelGauge {
  readonly imports: WebAssembly.Imports;
  stopReason: StopReason | null = null;
  private readonly sliceSize: number;
  private global: WebAssembly.Global | undefined;
  private budget = 0;
  private deadline = Number.POSITIVE_INFINITY;
  /** Fuel handed to the guest so far in this call (used = handedOut − fuel left in the global). */
  private handedOut = 0;
  private lastUsed = 0;

  constructor(options: FuelGaugeOptions = {}) {
    this.sliceSize = Math.max(1, Math.floor(options.sliceSize ?? DEFAULT_SLICE));
    this.imports = { [METER_MODULE]: { [REFILL_NAME]: this.refill } };
  }

  /** Bind to an instance of an instrumented module (after instantiation; a start function refills by itself). */
  attach(instance: WebAssembly.Instance): void {
    const g = instance.exports[FUEL_EXPORT];
    if (!(g instanceof WebAssembly.Global))
      throw new Error(`module is not instrumented (no ${FUEL_EXPORT} export)`);
    this.global = g;
  }

  /** Start metering a call: `budget` fuel in total, stop at `deadline` (a performance.now() value). */
  begin(limits: { budget: number; deadline: number }): void {
    this.stopReason = null;
    this.budget = limits.budget;
    this.deadline = limits.deadline;
    if (this.global === undefined) {
      this.handedOut = 0; // the global starts at 0: the first check asks for a slice
    } else {
      const first = Math.min(this.sliceSize, this.budget);
      this.global.value = BigInt(first);
      this.handedOut = first;
    }
  }

  /** Finish the call; returns the exact fuel consumed. */
  end(): { fuelUsed: number } {
    // Instrumented code keeps the counter in a local and writes it back at calls and exits. After a stop, refill
    // saw the exact value; after a normal return the global is current; after a trap it holds the value of the
    // last write-back (documented: fuel_used of a trapped call may be slightly low).
    const left = this.global === undefined ? 0 : Number(this.global.value as bigint);
    if (this.stopReason === null && this.global !== undefined) this.lastUsed = this.handedOut - left;
    if (this.global !== undefined) this.global.value = 0n;
    return { fuelUsed: this.lastUsed };
  }

  private readonly refill = (left: bigint): bigint => {
    const used = this.handedOut - Number(left);
    this.lastUsed = used;
    if (used >= this.budget) {
      this.stopReason = "fuel_exhausted";
      return 0n;
    }
    if (performance.now() > this.deadline) {
      this.stopReason = "timeout";
      return 0n;
    }
    const next = Math.min(this.sliceSize, this.budget - used);
    this.handedOut = used + next;
    return BigInt(next);
  };
}
