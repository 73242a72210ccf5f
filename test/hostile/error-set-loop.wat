;; expect: timeout
;; limits: { fuel: 1000000000000, timeout_ms: 30 }
;; Makes the host decode a MessagePack error map again and again (decoding is host work): charged per byte and
;; per value, stopped at the deadline.
(module (import "cpex" "error_set" (func $error_set (param i32 i32) (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  ;; {"message": "x"}
  (data (i32.const 0) "\81\a7message\a1x")
  (func (export "cpex_handle") (result i32)
    (loop $l (drop (call $error_set (i32.const 0) (i32.const 11))) (br $l))
    (i32.const 0)))
