// Long jobs (the spec suite, fuzzing, cargo builds, npm pack) run in child processes that the test awaits: a
// synchronous call would block the vitest worker's event loop for minutes, and on a loaded machine vitest then
// reports `Timeout calling "onTaskUpdate"` and exits 1 although every test passed (docs/testing.md).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface ChildResult {
  /** The exit code, or null when the child was ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Ends the child with SIGKILL after this long, so a hung tool cannot hang the suite. */
  readonly timeoutMs?: number;
}

/** Runs a command and resolves with its exit status and output; never rejects for a non-zero exit. */
export function runChild(
  command: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (e) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/**
 * Runs a TypeScript entry point of this repository with the Node that runs the tests (so the Node 22/24 smoke
 * really exercises that Node) and tsx's loader.
 */
export function runTsx(
  script: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<ChildResult> {
  return runChild(process.execPath, ["--import", "tsx", join(REPO_ROOT, script), ...args], options);
}

/** A failure message that shows what the child said, for `expect(..., message)`. */
export function describeChild(what: string, r: ChildResult): string {
  const tail = (s: string) => s.split("\n").slice(-30).join("\n");
  return `${what} exited ${r.code ?? r.signal}\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`;
}
