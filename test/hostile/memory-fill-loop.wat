;; expect: timeout
;; limits: { fuel: 1000000000000, timeout_ms: 30, memory_mb: 16 }
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 256)
  (func (export "cpex_handle") (result i32)
    (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (br $l))
    (i32.const 0)))
