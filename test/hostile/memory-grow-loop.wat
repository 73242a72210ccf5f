;; expect: memory_limit
;; limits: { memory_mb: 2 }
;; Grows until the cap, then traps like an allocator that cannot get memory.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (result i32)
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
