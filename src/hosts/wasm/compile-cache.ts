// The persistent instrumentation cache: instrumented bytes and their report on disk, so a gateway that restarts
// or scales out does not instrument every plugin again (wasmtime keeps compiled artefacts on disk the same way).
//
// An entry is keyed by the sha256 of the input, the instrumenter's version and a fingerprint of its code, and the
// options. One file per entry: a magic line, a JSON header (the full key, the sha256 and size of the stored bytes,
// the report) and the bytes. Writes go to a temporary file renamed into place, so a reader sees a whole entry or
// none, and concurrent writers of one key each rename a complete file. On read, the header's key and the sha256
// of the bytes must match, else the entry is a miss (and removed): a truncated or corrupted file is never loaded.
//
// Trust: the checks catch damage, not an attacker. Whoever can write the cache directory can replace a plugin's
// instrumented code (and with it its fuel and memory limits), exactly as whoever can write the plugin directory
// can replace the plugin: the cache directory must be as trusted as the plugin directory (docs/configuration.md).

import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { INSTRUMENTER_VERSION, type InstrumentReport } from "./meter/index.js";

const MAGIC = "cpex-instrumented 1\n";
const SUFFIX = ".cpexi";

export interface CachedModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly report: InstrumentReport;
}

interface Header {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly report: InstrumentReport;
}

/** `$XDG_CACHE_HOME/cpex/instrumented`, else `~/.cache/cpex/instrumented`. */
export function defaultCacheDir(): string {
  const base = process.env["XDG_CACHE_HOME"];
  return join(base !== undefined && base !== "" ? base : join(homedir(), ".cache"), "cpex", "instrumented");
}

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

let fingerprint: Promise<string> | undefined;

/**
 * A hash of the instrumenter's own code (meter/ and binary/ next to this file): a changed pass never reads an
 * entry an older one wrote, even when nobody bumped INSTRUMENTER_VERSION.
 */
export function instrumenterFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const h = createHash("sha256").update(INSTRUMENTER_VERSION);
    try {
      for (const dir of ["./meter/", "./binary/"]) {
        const url = new URL(dir, import.meta.url);
        const files = (await readdir(url)).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts")).sort();
        for (const f of files) h.update(f).update(await readFile(new URL(f, url)));
      }
    } catch {
      // Sources not on disk as files (a bundled build): the version alone keys the entries.
      return `version-${INSTRUMENTER_VERSION}`;
    }
    return h.digest("hex");
  })();
  return fingerprint;
}

export class InstrumentCache {
  constructor(readonly dir: string) {}

  /** The full key of an input (its sha256) under instrumenter options (`optionsKey`). */
  static async key(inputSha256: string, options: string): Promise<string> {
    return `${INSTRUMENTER_VERSION}/${await instrumenterFingerprint()}/${inputSha256}/${options}`;
  }

  private file(key: string): string {
    return join(this.dir, `${sha256(key).slice(0, 40)}${SUFFIX}`);
  }

  /** The entry for `key`, or undefined (absent, unreadable, or failing its checks: then it is removed). */
  async get(key: string): Promise<CachedModule | undefined> {
    const file = this.file(key);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return undefined;
    }
    const entry = parse(data, key);
    if (entry === undefined) await unlink(file).catch(() => undefined);
    return entry;
  }

  /** Store an entry atomically; a failure (read-only or full disk) only means the next load instruments again. */
  async put(key: string, entry: CachedModule): Promise<boolean> {
    const file = this.file(key);
    const header: Header = {
      key,
      sha256: sha256(entry.bytes),
      size: entry.bytes.length,
      report: entry.report,
    };
    const json = Buffer.from(JSON.stringify(header));
    const head = Buffer.alloc(MAGIC.length + 4);
    head.write(MAGIC, 0, "latin1");
    head.writeUInt32LE(json.length, MAGIC.length);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, Buffer.concat([head, json, entry.bytes]), { mode: 0o600 });
      await rename(tmp, file);
      return true;
    } catch {
      await unlink(tmp).catch(() => undefined);
      return false;
    }
  }

  /** The entries on disk (for `cpex cache list`). */
  async list(): Promise<Array<{ file: string; bytes: number; modified: Date; input?: string }>> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((f) => f.endsWith(SUFFIX)).sort();
    } catch {
      return [];
    }
    const out: Array<{ file: string; bytes: number; modified: Date; input?: string }> = [];
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        const s = await stat(file);
        const header = readHeader(await readFile(file));
        const input = header?.key.split("/")[2];
        out.push({ file, bytes: s.size, modified: s.mtime, ...(input === undefined ? {} : { input }) });
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }

  /** Remove every entry (and stray temporary files); returns how many entries were removed. */
  async clear(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(SUFFIX) && !name.endsWith(".tmp")) continue;
      await rm(join(this.dir, name), { force: true });
      if (name.endsWith(SUFFIX)) removed++;
    }
    return removed;
  }
}

function readHeader(data: Buffer): (Header & { readonly at: number }) | undefined {
  if (data.length < MAGIC.length + 4 || data.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined;
  const len = data.readUInt32LE(MAGIC.length);
  const at = MAGIC.length + 4 + len;
  if (at > data.length) return undefined;
  try {
    const h = JSON.parse(data.toString("utf8", MAGIC.length + 4, at)) as Header;
    if (typeof h.key !== "string" || typeof h.sha256 !== "string" || typeof h.size !== "number")
      return undefined;
    if (typeof h.report !== "object" || h.report === null) return undefined;
    return { ...h, at };
  } catch {
    return undefined;
  }
}

function parse(data: Buffer, key: string): CachedModule | undefined {
  const h = readHeader(data);
  if (h === undefined || h.key !== key || data.length - h.at !== h.size) return undefined;
  // A view of the file's own buffer (readFile allocates one per call for files this size): no copy.
  const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset + h.at, h.size);
  if (sha256(bytes) !== h.sha256) return undefined;
  return { bytes, report: h.report };
}
