// Runs the `cpex` command as a child process (never blocking the test worker): the source through tsx, or an
// installed package's bin. The exit code and both streams come back for assertions.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const root = new URL("../../", import.meta.url).pathname;
export const examples = join(root, "examples/plugins");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function exec(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = run(command, [...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    maxBuffer: 32 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  } else child.child.stdin?.end();
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** `cpex …` from this repository's sources. */
export function cpex(args: readonly string[], options: Parameters<typeof exec>[2] = {}): Promise<CliResult> {
  return exec(join(root, "node_modules/.bin/tsx"), [join(root, "src/cli/main.ts"), ...args], options);
}
