// Reading the registered-code tables of docs/errors.md (between `<!-- error-codes:<owner>:begin/end -->`).
import { readFileSync } from "node:fs";

export const errorsDoc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");

/** The table of `owner`'s codes in `markdown`, as code → meaning. */
export function documentedCodes(markdown: string, owner: string): Map<string, string> {
  const begin = `<!-- error-codes:${owner}:begin -->`;
  const end = `<!-- error-codes:${owner}:end -->`;
  const from = markdown.indexOf(begin);
  if (from < 0 || markdown.indexOf(end) < from)
    throw new Error(`docs/errors.md has no ${begin} … ${end} block`);
  const block = markdown.slice(from + begin.length, markdown.indexOf(end));
  const out = new Map<string, string>();
  for (const line of block.split("\n")) {
    const m = line.match(/^\|\s*`([a-z_]+)`\s*\|\s*(.*?)\s*\|\s*$/);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}
