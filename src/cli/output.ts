// Terminal output for the `cpex` command: colours only on a TTY (and never under NO_COLOR), plain tables, and
// errors as one line each. A stack trace is shown only with `--debug` (docs/limits.md lists the codes).

import { CpexError } from "../core/cpex-error.js";

/** A failure the CLI reports as one line and exit code `exitCode` (2 unless said otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** True when `stream` is a terminal and the user did not ask for plain output (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  const noColor = process.env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, on = useColour()): string {
  return on ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Left-aligned columns separated by two spaces; the header row is underlined with dashes. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The one line an error is reported as: its code (cpex errors have one) and its message. */
export function errorLine(err: unknown): string {
  if (err instanceof CpexError && err.code !== undefined) return `error [${err.code}]: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/** Report `err` on stderr (stack with `debug`) and set the exit code. Never throws. */
export function reportError(err: unknown, debug: boolean): void {
  console.error(paint(errorLine(err), "red", useColour(process.stderr)));
  if (debug && err instanceof Error && err.stack !== undefined) console.error(err.stack);
  process.exitCode = err instanceof CliError ? err.exitCode : 2;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Large integers with thin grouping (fuel figures run to nine digits). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
