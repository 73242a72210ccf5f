;; expect: fuel_exhausted
;; limits: { fuel: 10000000, timeout_ms: 10000, memory_mb: 32 }
;; The same loop under a fuel budget: 16 MiB of random_get costs 32 M fuel, more than the whole budget, so the
;; first call is refused before any byte is generated.
(module (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 300)
  (func (export "cpex_handle") (result i32)
    (loop $l (drop (call $random (i32.const 0) (i32.const 16777216))) (br $l))
    (i32.const 0)))
