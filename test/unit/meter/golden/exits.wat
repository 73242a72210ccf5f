;; Early exits. cpex: one region charged on entry, as if every exit ran on. wasmtime: the br_if's taken branch
;; gives back what it skips, nothing after the unconditional br is charged, and the if/else whose arms differ in
;; cost charges the cheaper arm up front and the difference in the other.
(module
  (func (export "f") (param i32) (result i32)
    (block $out
      (br_if $out (local.get 0))
      (drop (i32.const 1))
      (br $out)
      (drop (i32.const 2)))
    (if (result i32) (local.get 0)
      (then (i32.const 3))
      (else (i32.add (i32.const 4) (i32.const 5))))))
