;; A flat if folded into its region (cpex: at the costlier arm; wasmtime: the cheaper, the other arm charging the difference); memory.grow charged for the pages it grants (cpex) and
;; memory.fill by size, each followed by a check; the memory's maximum lowered to the cap.
(module
  (memory (export "memory") 1 100)
  (func (export "f") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.add (i32.const 2) (i32.const 3))))
    (drop (memory.grow (local.get 0)))
    (memory.fill (i32.const 0) (i32.const 0) (local.get 0))))
