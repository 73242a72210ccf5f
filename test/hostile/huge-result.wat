;; expect: result_too_large
;; limits: { max_result_bytes: 1024 }
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (result i32) (drop (call $result_set (i32.const 0) (i32.const 60000))) (i32.const 0)))
