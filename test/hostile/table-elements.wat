;; expect-load: tables need 150000 elements at start; the limit is 65536 in all
;; Two tables within the count limit whose sizes together exceed the element limit.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (table 75000 funcref) (table 75000 funcref)
  (func (export "cpex_handle") (result i32) (i32.const 0)))
