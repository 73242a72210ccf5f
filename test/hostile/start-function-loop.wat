;; expect-load: start-up fuel of 1000000 exhausted during instantiate
;; limits: { fuel: 100000, startup_fuel: 1000000 }
;; A start function runs at instantiation: it is metered by the start-up budget, and the load fails cleanly.
(module (import "cpex" "result_set" (func $result_set (param i32 i32) (result i32)))
  (import "cpex" "payload_len" (func $payload_len (result i32)))
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (memory (export "memory") 1)
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "cpex_handle") (result i32) (i32.const 0)))
