// The host side of metering: hands fuel to an instrumented instance in slices, and at every refill checks the
// budget and the wall-clock deadline — epoch-style interruption without a timer per call. Stopping is decided
// here and recorded in `stopReason`; the guest then traps on `unreachable`, which it cannot catch.

import { CpexError } from "../../../core/cpex-error.js";
import { FUEL_NAME, METER_MODULE, REFILL_NAME } from "./remap.js";

export type StopReason = "fuel_exhausted" | "timeout";

export interface FuelGaugeOptions {
  /**
   * Fuel per slice: how often the guest comes back to the host to check the deadline. 1 fuel ≈ one instruction
   * (≈ 1 ns of compiled code), so the default of 1 000 000 bounds the overshoot past a deadline to about a
   * millisecond.
   */
  readonly sliceSize?: number;
  /**
   * Polled at every refill and every look at the clock: true stops the call as a timeout. Lets another thread
   * cancel a running guest (worker execution: the executor gave up on the call) through shared memory.
   */
  readonly interrupted?: () => boolean;
}

export const DEFAULT_SLICE = 1_000_000;

/** Thrown by `FuelGauge.charge` when a host function may not do its work (budget or deadline). */
/** Thrown by `refill` when the budget or the deadline does not allow more work; `code` is the stop reason. */
export class MeterStop extends CpexError<StopReason> {
  constructor(
    readonly reason: StopReason,
    readonly fuelUsed: number,
  ) {
    super(
      reason,
      reason === "fuel_exhausted"
        ? `fuel exhausted after ${fuelUsed} units`
        : `deadline exceeded after ${fuelUsed} units`,
    );
    this.name = "MeterStop";
  }
}

/**
 * How much host-call fuel may accumulate between two looks at the clock. Host functions charge before they work,
 * at about one fuel per nanosecond of host work (docs/abi.md, "Host-call costs"), so the clock is read at least
 * every ~20 µs of host work, and at once before any single call that costs more than this.
 */
export const HOST_CLOCK_EVERY = 20_000;

export class FuelGauge {
  readonly imports: WebAssembly.Imports;
  stopReason: StopReason | null = null;
  private readonly sliceSize: number;
  /**
   * The fuel left in the current slice, imported by the instrumented module as `__cpex_meter.fuel`. Each gauge
   * owns one: an instance gets its counter from the gauge whose `imports` it was instantiated with, in whichever
   * thread, and nothing outside the sandbox sees it among the module's exports.
   */
  private readonly global = new WebAssembly.Global({ value: "i64", mutable: true }, 0n);
  private budget = 0;
  private deadline = Number.POSITIVE_INFINITY;
  /** Guest fuel handed out so far in this call (guest used = handedOut − fuel left in the global). */
  private handedOut = 0;
  /** Guest fuel used as of the last refill: a lower bound of what the guest has used now. */
  private guestFloor = 0;
  /** Fuel charged by host functions in this call (kept apart so charging never touches the i64 global). */
  private hostFuel = 0;
  private nextClockCheck = HOST_CLOCK_EVERY;
  private lastUsed = 0;
  private readonly interrupted: (() => boolean) | undefined;

  constructor(options: FuelGaugeOptions = {}) {
    this.sliceSize = Math.max(1, Math.floor(options.sliceSize ?? DEFAULT_SLICE));
    this.interrupted = options.interrupted;
    this.imports = { [METER_MODULE]: { [REFILL_NAME]: this.refill, [FUEL_NAME]: this.global } };
  }

  /**
   * Nothing left to bind since the counter is imported (instantiate with `imports`); kept so callers written for
   * the exported counter keep working.
   */
  attach(_instance: WebAssembly.Instance): void {}

  /** Start metering a call: `budget` fuel in total, stop at `deadline` (a performance.now() value). */
  begin(limits: { budget: number; deadline: number }): void {
    this.stopReason = null;
    this.budget = limits.budget;
    this.deadline = limits.deadline;
    this.guestFloor = 0;
    this.hostFuel = 0;
    this.nextClockCheck = HOST_CLOCK_EVERY;
    this.lastUsed = 0;
    const first = Math.min(this.sliceSize, this.budget);
    this.global.value = BigInt(first);
    this.handedOut = first;
  }

  /** Finish the call; returns the exact fuel consumed (guest instructions plus host-call charges). */
  end(): { fuelUsed: number } {
    // Instrumented code keeps the counter in a local and writes it back at calls and exits. After a stop, the
    // stop saw the exact value; after a normal return the global is current; after a trap it holds the value of
    // the last write-back (documented: fuel_used of a trapped call may be slightly low).
    const left = Number(this.global.value as bigint);
    if (this.stopReason === null) this.lastUsed = this.handedOut - left + this.hostFuel;
    this.global.value = 0n;
    return { fuelUsed: this.lastUsed };
  }

  /**
   * Charge `fuel` for work a host function is about to do for the guest, and look at the deadline. Throws
   * MeterStop (after recording `stopReason`) when the budget or the deadline does not allow the work; the host
   * function must not do the work then. Cheap on the hot path: no BigInt, and the clock is read only every
   * HOST_CLOCK_EVERY units of host work. The guest's own fuel since the last refill is not known here without
   * reading the global, so the budget check uses the guest's use at the last refill: a stop is never early, and
   * at most one slice late (the next refill counts host fuel too).
   */
  charge(fuel: number): void {
    const host = this.hostFuel + fuel;
    this.hostFuel = host;
    if (this.guestFloor + host > this.budget) this.stop("fuel_exhausted", this.guestFloor + host);
    if (host >= this.nextClockCheck) {
      this.nextClockCheck = host + HOST_CLOCK_EVERY;
      if (performance.now() > this.deadline || this.interrupted?.() === true)
        this.stop("timeout", this.guestFloor + host);
    }
  }

  /** Fuel host functions charged in the current call. */
  get hostFuelUsed(): number {
    return this.hostFuel;
  }

  private stop(reason: StopReason, used: number): never {
    this.stopReason = reason;
    this.lastUsed = Math.min(used, this.budget);
    throw new MeterStop(reason, this.lastUsed);
  }

  private readonly refill = (left: bigint): bigint => {
    const guest = this.handedOut - Number(left);
    this.guestFloor = guest;
    const used = guest + this.hostFuel;
    this.lastUsed = used;
    if (used >= this.budget) {
      this.stopReason = "fuel_exhausted";
      return 0n;
    }
    if (performance.now() > this.deadline || this.interrupted?.() === true) {
      this.stopReason = "timeout";
      return 0n;
    }
    const next = Math.min(this.sliceSize, this.budget - used);
    this.handedOut = guest + next;
    return BigInt(next);
  };
}
