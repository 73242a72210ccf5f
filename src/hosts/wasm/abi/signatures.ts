// The imports a guest may declare, with their exact signatures. V8 does not check that a guest's declared import
// type matches the JS function it is given (a guest could call `payload_read` with i64s), so the host checks
// every import against this table at load, from the module's own type and import sections.

import { MAX_NAME_CHARS, safeText } from "./text.js";

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export interface FuncSig {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

const sig = (params: string, results: string): FuncSig => ({
  params: params === "" ? [] : (params.split(",") as ValType[]),
  results: results === "" ? [] : (results.split(",") as ValType[]),
});

const LEN = sig("", "i32");
const READ = sig("i32,i32", "i32");

export const CPEX_MODULE = "cpex";
export const WASI_MODULE = "wasi_snapshot_preview1";
/** Test-only imports (guest.ts), accepted only when the host is created with `unsafeTestImports`. */
export const TEST_MODULE = "cpex_test";
export const TEST_IMPORTS: Readonly<Record<string, FuncSig>> = { block: sig("i32", ""), crash: sig("", "") };

export const CPEX_IMPORTS: Readonly<Record<string, FuncSig>> = {
  hook_name_len: LEN,
  hook_name_read: READ,
  payload_len: LEN,
  payload_read: READ,
  extensions_len: LEN,
  extensions_read: READ,
  context_len: LEN,
  context_read: READ,
  config_len: LEN,
  config_read: READ,
  result_set: READ,
  error_set: READ,
  log: sig("i32,i32,i32", "i32"),
  // Outbound HTTP (§3.5): worker-mode plugins only (an inline plugin importing it does not load).
  http_request: READ,
  http_response_read: READ,
};

export const WASI_IMPORTS: Readonly<Record<string, FuncSig>> = {
  args_get: sig("i32,i32", "i32"),
  args_sizes_get: sig("i32,i32", "i32"),
  environ_get: sig("i32,i32", "i32"),
  environ_sizes_get: sig("i32,i32", "i32"),
  clock_res_get: sig("i32,i32", "i32"),
  clock_time_get: sig("i32,i64,i32", "i32"),
  fd_advise: sig("i32,i64,i64,i32", "i32"),
  fd_allocate: sig("i32,i64,i64", "i32"),
  fd_close: sig("i32", "i32"),
  fd_datasync: sig("i32", "i32"),
  fd_fdstat_get: sig("i32,i32", "i32"),
  fd_fdstat_set_flags: sig("i32,i32", "i32"),
  fd_fdstat_set_rights: sig("i32,i64,i64", "i32"),
  fd_filestat_get: sig("i32,i32", "i32"),
  fd_filestat_set_size: sig("i32,i64", "i32"),
  fd_filestat_set_times: sig("i32,i64,i64,i32", "i32"),
  fd_pread: sig("i32,i32,i32,i64,i32", "i32"),
  fd_prestat_get: sig("i32,i32", "i32"),
  fd_prestat_dir_name: sig("i32,i32,i32", "i32"),
  fd_pwrite: sig("i32,i32,i32,i64,i32", "i32"),
  fd_read: sig("i32,i32,i32,i32", "i32"),
  fd_readdir: sig("i32,i32,i32,i64,i32", "i32"),
  fd_renumber: sig("i32,i32", "i32"),
  fd_seek: sig("i32,i64,i32,i32", "i32"),
  fd_sync: sig("i32", "i32"),
  fd_tell: sig("i32,i32", "i32"),
  fd_write: sig("i32,i32,i32,i32", "i32"),
  path_create_directory: sig("i32,i32,i32", "i32"),
  path_filestat_get: sig("i32,i32,i32,i32,i32", "i32"),
  path_filestat_set_times: sig("i32,i32,i32,i32,i64,i64,i32", "i32"),
  path_link: sig("i32,i32,i32,i32,i32,i32,i32", "i32"),
  path_open: sig("i32,i32,i32,i32,i32,i64,i64,i32,i32", "i32"),
  path_readlink: sig("i32,i32,i32,i32,i32,i32", "i32"),
  path_remove_directory: sig("i32,i32,i32", "i32"),
  path_rename: sig("i32,i32,i32,i32,i32,i32", "i32"),
  path_symlink: sig("i32,i32,i32,i32,i32", "i32"),
  path_unlink_file: sig("i32,i32,i32", "i32"),
  poll_oneoff: sig("i32,i32,i32,i32", "i32"),
  proc_exit: sig("i32", ""),
  proc_raise: sig("i32", "i32"),
  sched_yield: sig("", "i32"),
  random_get: sig("i32,i32", "i32"),
  sock_accept: sig("i32,i32,i32", "i32"),
  sock_recv: sig("i32,i32,i32,i32,i32,i32", "i32"),
  sock_send: sig("i32,i32,i32,i32,i32", "i32"),
  sock_shutdown: sig("i32,i32", "i32"),
};

export function formatSig(s: FuncSig): string {
  return `(${s.params.join(", ")}) -> (${s.results.join(", ")})`;
}

export function sameSig(a: FuncSig, b: FuncSig): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) &&
    a.results.every((r, i) => r === b.results[i])
  );
}

export interface DeclaredImport {
  readonly module: string;
  readonly name: string;
  readonly kind: "func" | "table" | "memory" | "global" | "tag";
  /** For functions: the declared signature. */
  readonly sig?: FuncSig;
}

/**
 * Problems with a module's imports against the ABI: anything not in the tables above, or declared with another
 * signature. Empty when the imports are acceptable.
 */
export function checkImports(
  imports: readonly DeclaredImport[],
  options: { allowTestImports?: boolean } = {},
): string[] {
  const problems: string[] = [];
  for (const imp of imports) {
    const table =
      imp.module === CPEX_MODULE
        ? CPEX_IMPORTS
        : imp.module === WASI_MODULE
          ? WASI_IMPORTS
          : imp.module === TEST_MODULE && options.allowTestImports === true
            ? TEST_IMPORTS
            : undefined;
    // Names come from the module: escaped and capped before they reach an error message.
    const where = safeText(`${imp.module}.${imp.name}`, MAX_NAME_CHARS);
    if (table === undefined) {
      problems.push(
        `${where}: unknown import module '${safeText(imp.module, MAX_NAME_CHARS)}' (a plugin may import only 'cpex' and '${WASI_MODULE}')`,
      );
      continue;
    }
    if (imp.kind !== "func") {
      problems.push(`${where}: imports a ${imp.kind}; the host provides only functions`);
      continue;
    }
    const expected = Object.hasOwn(table, imp.name) ? table[imp.name] : undefined;
    if (expected === undefined) {
      problems.push(`${where}: the host provides no such function`);
      continue;
    }
    if (imp.sig !== undefined && !sameSig(imp.sig, expected)) {
      problems.push(`${where}: declared as ${formatSig(imp.sig)}, the ABI defines ${formatSig(expected)}`);
    }
  }
  return problems;
}
