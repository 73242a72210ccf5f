;; expect-load: exception handling
;; A guest that could catch the host's stops is rejected at load.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (result i32) (try (do (loop $l (br $l))) (catch_all)) (i32.const 0)))
