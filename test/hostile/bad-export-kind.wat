;; expect-load: `cpex_abi_version` must be a function \(\) -> \(i32\), it is a global
;; A required export of the wrong kind.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (global (export "cpex_abi_version") i32 (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (result i32) (i32.const 0)))
