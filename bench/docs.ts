// Writing benchmark sections into docs/performance.md: each between its own markers, stamped with the command
// and Node version that produced it, then formatted so `npm run lint` stays green after a report.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BenchSection {
  /** Section heading, e.g. "Core executor hot path". */
  title: string;
  /** Markdown body: tables and short notes, no heading. */
  markdown: string;
}

const here = dirname(fileURLToPath(import.meta.url));
export const DOC_PATH = join(here, "..", "docs", "performance.md");

/** `doc` with the section `name` replaced (or appended), stamped "Measured <date> with `npm run bench -- <command>`". */
export function upsertSection(doc: string, name: string, section: BenchSection, command: string): string {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} with \`${command.startsWith("npx") ? command : `npm run bench -- ${command}`}\` on Node ${process.version}.`;
  const block = `${begin}\n## ${section.title}\n\n${stamp}\n\n${section.markdown.trim()}\n${end}`;
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start >= 0 && stop > start) return doc.slice(0, start) + block + doc.slice(stop + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

/** The generated tables in the formatter's layout, so `npm run lint` stays green after a report. */
export function formatDocs(): void {
  const biome = join(here, "..", "node_modules", ".bin", "biome");
  const r = spawnSync(biome, ["format", "--write", DOC_PATH], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0)
    console.error("biome format of docs/performance.md failed: run npx biome check --write");
}
