// Fire-and-forget phase: each plugin gets its own copy of the final payload and runs after the invoke returned
// (phases.ts). Outcomes are only logged (never in PipelineResult.errors, never trip a breaker); a host failure is
// logged at error level since the result already went out. The manager tracks every task so shutdown can drain
// them.

import { errorRecord, type PluginErrorRecord } from "../errors.js";
import type { HookEntry } from "../registry.js";
import type { BackgroundTasks } from "../result.js";
import { contextFor, startCall } from "./call.js";
import { clonePayload } from "./clone.js";
import type { RunState } from "./state.js";

export class TaskTracker {
  private readonly inFlight = new Map<Promise<unknown>, string>();

  /** Track `task` until it settles; `label` says what it is when shutdown reports tasks still running. */
  track<T>(task: Promise<T>, label = "task"): Promise<T> {
    this.inFlight.set(task, label);
    const done = (): void => {
      this.inFlight.delete(task);
    };
    task.then(done, done);
    return task;
  }

  get size(): number {
    return this.inFlight.size;
  }

  /** Labels of the tasks still in flight. */
  running(): string[] {
    return [...this.inFlight.values()];
  }

  /** Wait until no task is in flight (tasks started while draining are waited for too). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.keys()]);
  }
}

export function spawnBackground(
  state: RunState,
  entries: readonly HookEntry[],
  tracker: TaskTracker,
): BackgroundTasks {
  const tasks = entries.map((entry) => {
    const payload = clonePayload(state.payload);
    const ctx = contextFor(state, entry, "fire_and_forget");
    const logger = state.settings.logger;
    // setImmediate: even a synchronous handler runs after the caller got its result.
    const task = new Promise<PluginErrorRecord | undefined>((resolve) => {
      setImmediate(async () => {
        const { pending } = startCall(state, entry, "fire_and_forget", payload, ctx);
        const outcome = await pending;
        if (outcome.kind === "ok") return resolve(undefined);
        const rec = errorRecord(outcome.error, entry.name);
        if (outcome.error.kind === "host")
          logger.error(`cpex could not run fire_and_forget plugin '${entry.name}': ${rec.message}`, {
            code: rec.code,
          });
        else logger.warn(`fire_and_forget plugin '${entry.name}' failed: ${rec.message}`);
        resolve(rec);
      });
    });
    return tracker.track(task, `fire_and_forget '${entry.name}' (${state.hook})`);
  });
  return {
    count: tasks.length,
    wait: async () => (await Promise.all(tasks)).filter((r): r is PluginErrorRecord => r !== undefined),
  };
}
