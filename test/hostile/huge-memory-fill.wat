;; expect: fuel_exhausted
;; limits: { fuel: 100000, memory_mb: 64 }
;; One bulk operation far beyond the budget is stopped before it runs.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1024)
  (func (export "cpex_handle") (result i32) (memory.fill (i32.const 0) (i32.const 1) (i32.const 60000000)) (i32.const 0)))
