;; expect-load: `cpex_handle` has type \(i64\) -> \(\); the ABI requires \(\) -> \(i32\)
;; An export with the right name and the wrong type loads in V8 and fails confusingly at call time: refused.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func (export "cpex_handle") (param i64)))
