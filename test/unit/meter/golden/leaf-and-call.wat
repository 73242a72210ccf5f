;; A bounded leaf (charged, no entry check) and its caller (charged and checked at entry, the counter in the
;; global since it has no loop); a module global renumbered past the imported counter.
(module
  (global $g (mut i32) (i32.const 0))
  (func $leaf (result i32) (i32.const 1))
  (func (export "f") (result i32)
    (global.set $g (i32.add (call $leaf) (call $leaf)))
    (global.get $g)))
