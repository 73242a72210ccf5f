// `npm run bench [-- <name> ...]`: runs every bench/<name>.bench.ts (or the named ones) in this process, one after
// the other, and writes each one's markdown section into docs/performance.md between its markers, so the figures in
// the docs always come from the last run of the command printed beside them.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchSection {
  /** Section heading, e.g. "Core executor hot path". */
  title: string;
  /** Markdown body: tables and short notes, no heading. */
  markdown: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const docPath = join(here, "..", "docs", "performance.md");

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts")).sort();
  const selected = files.filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")));
  if (selected.length === 0)
    throw new Error(`no benchmark matches ${wanted.join(", ")}; have: ${files.join(", ")}`);
  let doc = await readFile(docPath, "utf8").catch(() => "# Performance\n");
  for (const file of selected) {
    const name = file.replace(/\.bench\.ts$/, "");
    console.log(`\n== bench ${name}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as {
      default: () => Promise<BenchSection>;
    };
    const section = await mod.default();
    console.log(section.markdown);
    doc = upsertSection(doc, name, section);
  }
  await writeFile(docPath, doc);
  console.log(`\nwrote ${selected.length} section(s) to docs/performance.md`);
}

function upsertSection(doc: string, name: string, section: BenchSection): string {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- ${name}\` on Node ${process.version}.`;
  const block = `${begin}\n## ${section.title}\n\n${stamp}\n\n${section.markdown.trim()}\n${end}`;
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start >= 0 && stop > start) return doc.slice(0, start) + block + doc.slice(stop + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

await main();
