// The manager's closing state (docs/configuration.md, "Lifecycle and closing state"): open → closing → closed.
// Once shutdown starts nothing new is accepted; in-flight work drains within a bound; then plugins shut down
// once. Kept apart from the manager so the ordering rules live in one small place.

import { ManagerClosedError } from "./errors.js";
import { TaskTracker } from "./executor/index.js";
import type { Logger } from "./logger.js";
import type { PluginLifecycle } from "./plugin.js";

export type ManagerState = "open" | "closing" | "closed";

/** One lifecycle the manager owns: a registered plugin or a route-override instance of one. */
export interface OwnedLifecycle {
  readonly name: string;
  readonly plugin: PluginLifecycle;
}

/**
 * In-flight invokes, counted. Cheaper than TaskTracker on the hot path (no Map entry, no closure, no extra
 * promise per invoke): `enter`/`leave` around the invoke, and drain waits until the count is back to 0.
 */
export class InvokeCounter {
  private count = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count--;
    if (this.count === 0 && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const wake of w) wake();
    }
  }

  get size(): number {
    return this.count;
  }

  running(): string[] {
    return this.count === 0 ? [] : [`${this.count} invoke(s)`];
  }

  drain(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

export class ClosingState {
  private current: ManagerState = "open";
  private closing: Promise<void> | undefined;
  /** In-flight invokes, so shutdown can wait for them. */
  readonly invokes = new InvokeCounter();
  /** Fire-and-forget tasks spawned by invokes. */
  readonly background = new TaskTracker();

  get state(): ManagerState {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current === "open";
  }

  /** Plugins have been shut down: no handler may run any more. */
  get pluginsDown(): boolean {
    return this.current === "closed";
  }

  /** Throw ManagerClosedError unless the manager still accepts work. */
  assertOpen(operation: string): void {
    if (this.current !== "open") throw new ManagerClosedError(operation);
  }

  /**
   * Run `steps` once: concurrent callers share the promise, later callers get the settled one. The state turns
   * `closing` synchronously, so an invoke issued in the same tick is already refused.
   */
  close(steps: () => Promise<void>): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.current = "closing";
    this.closing = steps().finally(() => {
      this.current = "closed";
    });
    return this.closing;
  }

  /** Mark plugins as shut down before their shutdown hooks run (a straggling invoke must not call them). */
  markClosed(): void {
    this.current = "closed";
  }

  /**
   * Wait for in-flight invokes, then for background tasks (invokes finishing may spawn more), at most
   * `timeoutSeconds`. Returns the labels of what was still running when the bound expired (empty if drained).
   */
  async drain(timeoutSeconds: number): Promise<string[]> {
    const drained = (async () => {
      await this.invokes.drain();
      await this.background.drain();
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), Math.max(0, Math.round(timeoutSeconds * 1000)));
    });
    const outcome = await Promise.race([drained.then(() => "drained" as const), expired]);
    clearTimeout(timer);
    if (outcome === "drained") return [];
    return [...this.invokes.running(), ...this.background.running()];
  }
}

/** Shut `owned` down in reverse order, each exactly once; failures are logged and do not stop the others. */
export async function shutdownAll(owned: readonly OwnedLifecycle[], logger: Logger): Promise<void> {
  for (const o of [...owned].reverse()) {
    try {
      await o.plugin.shutdown?.();
    } catch (err) {
      logger.warn(`plugin '${o.name}' shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * Initialise `owned` in order; on a failure shut the initialised ones down (reverse) and rethrow, so either all
 * are initialised or none stays so.
 */
export async function initializeAll(
  owned: readonly OwnedLifecycle[],
  logger: Logger,
  fail: (name: string, err: unknown) => Error,
): Promise<void> {
  const done: OwnedLifecycle[] = [];
  for (const o of owned) {
    try {
      await o.plugin.initialize?.();
      done.push(o);
    } catch (err) {
      for (const d of done.reverse()) {
        try {
          await d.plugin.shutdown?.();
        } catch (e) {
          logger.warn(`plugin '${d.name}' shutdown during rollback failed: ${String(e)}`);
        }
      }
      throw fail(o.name, err);
    }
  }
}
