;; expect-load: `cpex_handle` re-exports the import wasi_snapshot_preview1.proc_exit
;; cpex_handle is WASI proc_exit itself: calling it would call the host function directly.
(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (export "cpex_handle" (func $exit)))
