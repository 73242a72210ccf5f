;; expect: timeout
;; limits: { fuel: 1000000000000, timeout_ms: 20 }
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (result i32) (loop $l (br $l)) (i32.const 0)))
