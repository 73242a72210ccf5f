// Locating problems in the YAML document: which line a path is on, what plugin i is called, and the one
// message format every load error uses (`cpex.yaml: plugins[2] (name 'pii'): mode: <problem> (line 14)`).
// All problems are reported at once, in document order.

import { type Document, isNode, type LineCounter } from "yaml";
import type { z } from "zod";
import { isPlainObject } from "../guards.js";
import { ConfigError } from "./errors.js";
import { describeValue } from "./schema.js";

/** A path into the YAML document: mapping keys and list indexes. */
export type Path = readonly (string | number)[];

/** One thing wrong with the document, at a path. */
export interface Problem {
  readonly path: Path;
  readonly message: string;
}

/** Reads the YAML document once and answers "which line is this path on" and "what is plugin i called". */
export class Locator {
  constructor(
    private readonly file: string | undefined,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
    private readonly raw: unknown,
  ) {}

  line(path: Path): number | undefined {
    if (this.doc === undefined || this.lines === undefined) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  /** `config.yaml: plugins[2] (name 'pii'): mode: <message> (line 14)` */
  format(problem: Problem): string {
    const { owner, field } = this.split(problem.path);
    const parts: string[] = [];
    if (this.file !== undefined) parts.push(this.file);
    if (owner !== "") parts.push(owner);
    if (field !== "") parts.push(field);
    const line = this.line(problem.path);
    parts.push(problem.message + (line !== undefined ? ` (line ${line})` : ""));
    return parts.join(": ");
  }

  pluginName(path: Path): string | undefined {
    if (path[0] !== "plugins" || typeof path[1] !== "number" || !isPlainObject(this.raw)) return undefined;
    const list = this.raw["plugins"];
    const entry = Array.isArray(list) ? list[path[1]] : undefined;
    return isPlainObject(entry) && typeof entry["name"] === "string" ? entry["name"] : undefined;
  }

  /** One ConfigError listing every problem, in document order (the way an editor shows them). */
  error(unsorted: readonly Problem[]): ConfigError {
    const problems = unsorted
      .map((p, i) => ({ p, i, line: this.line(p.path) ?? 0 }))
      .sort((a, b) => a.line - b.line || a.i - b.i)
      .map((x) => x.p);
    const rendered = problems.map((p) => this.format(p));
    const first = problems[0]!;
    const prefix = this.file !== undefined ? `${this.file}: ` : "";
    const message =
      rendered.length === 1
        ? rendered[0]!
        : `${prefix}${rendered.length} configuration problems:\n  - ${rendered.map((r) => (r.startsWith(prefix) ? r.slice(prefix.length) : r)).join("\n  - ")}`;
    return new ConfigError(
      message,
      { file: this.file, path: renderPath(first.path), plugin: this.pluginName(first.path) },
      rendered,
    );
  }

  private split(path: Path): { owner: string; field: string } {
    if (path.length === 0) return { owner: "", field: "" };
    let ownerLen = 1;
    if (typeof path[1] === "number") ownerLen = 2;
    else if (path[0] === "groups" && path.length > 1) ownerLen = 2;
    else if (path[0] === "global" && (path[1] === "policies" || path[1] === "defaults") && path.length > 2)
      ownerLen = 3;
    let owner = renderPath(path.slice(0, ownerLen));
    const name = this.pluginName(path);
    if (name !== undefined) owner += ` (name '${name}')`;
    return { owner, field: renderPath(path.slice(ownerLen)) };
  }
}

/** `["plugins", 2, "mode"]` → `plugins[2].mode`. */
export function renderPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** A zod issue in the loader's words ("expected an integer, got 'x'"). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_value":
      return `expected one of ${issue.values.map(String).join("|")}, got ${describeValue(input)}`;
    case "invalid_type": {
      if (input === undefined) return "required field is missing";
      if (issue.message.startsWith("expected ")) return `${issue.message}, got ${describeValue(input)}`;
      const expected: Record<string, string> = {
        string: "a string",
        int: "an integer",
        number: "a number",
        boolean: "a boolean (true/false)",
        array: "a list",
        object: "a mapping",
        record: "a mapping",
      };
      return `expected ${expected[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    }
    case "invalid_union":
      return `unexpected value ${describeValue(input)}`;
    case "too_small":
      if (issue.origin === "string") return issue.message;
      return `must be at least ${String(issue.minimum)}, got ${describeValue(input)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}, got ${describeValue(input)}`;
    default:
      return issue.message;
  }
}
