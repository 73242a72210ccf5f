;; expect: timeout
;; limits: { fuel: 1000000000000, timeout_ms: 30, memory_mb: 32 }
;; Host work instead of instructions: 16 MiB of random_get per call, forever. Charged by the byte and stopped
;; at the deadline (before host calls were metered, this returned ok long after its deadline).
(module (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 300)
  (func (export "cpex_handle") (result i32)
    (loop $l (drop (call $random (i32.const 0) (i32.const 16777216))) (br $l))
    (i32.const 0)))
