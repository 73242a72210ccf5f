// A line diff of two JSON values by path, for showing what the plugins changed in a payload
// (`- args.email: "a@b.c"` / `+ args.email: "a***"`). Red and green on a TTY.

import { paint, useColour } from "./output.js";

export interface Change {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** The paths at which `after` differs from `before` (leaves and added or removed members). */
export function changes(before: unknown, after: unknown, path = ""): Change[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => {
      if (!(k in after)) return [{ path: join(path, k), before: before[k] }];
      if (!(k in before)) return [{ path: join(path, k), after: after[k] }];
      return changes(before[k], after[k], join(path, k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((v, i) => changes(v, after[i], join(path, i)));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path === "" ? "(payload)" : path, before, after }];
}

export function formatChanges(list: readonly Change[], colour = useColour()): string[] {
  const lines: string[] = [];
  for (const c of list) {
    if ("before" in c) lines.push(paint(`- ${c.path}: ${JSON.stringify(c.before)}`, "red", colour));
    if ("after" in c) lines.push(paint(`+ ${c.path}: ${JSON.stringify(c.after)}`, "green", colour));
  }
  return lines;
}
