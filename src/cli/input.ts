// Reading the JSON documents a command is given: a payload, extensions or a context, each from a file, from
// standard input (`-`) or inline (an argument that starts with `{`, `[` or `"`).

import { readFile } from "node:fs/promises";
import { isPlainObject } from "../core/guards.js";
import { CliError } from "./output.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The text of `source`: `-` is stdin, inline JSON is itself, anything else a file path. */
export async function readSource(source: string, what: string): Promise<string> {
  if (source === "-") return readStdin();
  const head = source.trimStart()[0];
  if (head === "{" || head === "[" || head === '"') return source;
  try {
    return await readFile(source, "utf8");
  } catch (err) {
    throw new CliError(
      `${what}: cannot read '${source}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

export async function readJson(source: string, what: string): Promise<unknown> {
  const text = await readSource(source, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what}: not valid JSON (${(err as Error).message})`);
  }
}

export async function readJsonObject(source: string, what: string): Promise<Record<string, unknown>> {
  const value = await readJson(source, what);
  if (!isPlainObject(value)) throw new CliError(`${what}: expected a JSON object`);
  return value;
}

/** A positive integer option (`--repeat 3`); anything else is a usage error. */
export function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${what}: expected a positive integer, got '${value}'`);
  return n;
}
