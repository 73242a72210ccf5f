// The command line of `npm run bench` and the rules that follow from it, apart from run.ts (which runs the
// benchmarks when imported) so that they can be tested without measuring anything.

export interface Flags {
  /** A reduced run of the overhead section; the docs stay as they are. */
  quick: boolean;
  /** The overhead section in full, rewriting its part of docs/performance.md and the chart. */
  report: boolean;
  /** The native_rust cases may be missing (no Rust toolchain) without failing the run. */
  skipRust: boolean;
  /** Measure (and write --json) but leave docs/performance.md and the chart alone: a run on another Node. */
  noDocs: boolean;
  /** Where to write every measured case as JSON. */
  json?: string;
  /** bench/<name>.bench.ts files to run; all when empty. */
  names: string[];
}

/** Parses `npm run bench` arguments; an unknown option or `--json` without a file is an error, not ignored. */
export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { quick: false, report: false, skipRust: false, noDocs: false, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") flags.quick = true;
    else if (a === "--report") flags.report = true;
    else if (a === "--skip-rust") flags.skipRust = true;
    else if (a === "--no-docs") flags.noDocs = true;
    else if (a === "--json") {
      const file = argv[++i];
      if (file === undefined || file.startsWith("--")) throw new Error("--json needs a file name");
      flags.json = file;
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else flags.names.push(a);
  }
  return flags;
}

/** The sections a run measures: --quick and --report are about the overhead section alone. */
export function sectionsToRun(flags: Flags): string[] {
  return flags.quick || flags.report ? ["overhead"] : flags.names;
}

/**
 * The exit code the native_rust cases call for: where they are missing (`missing` says why) the run fails, since
 * a report without them would not answer the question it exists for, unless `--skip-rust` says that is expected.
 */
export function rustExitCode(missing: string | undefined, skipRust: boolean): 0 | 1 {
  return missing !== undefined && !skipRust ? 1 : 0;
}
