(module
  (type $t0 (func (result i32)))
  (type $t1 (func (param i64) (result i64)))
  (import "__cpex_meter" "refill" (func $__cpex_refill (type $t1)))
  (import "__cpex_meter" "fuel" (global $__cpex_meter.fuel (mut i64)))
  (func $leaf (type $t0) (result i32)
    (local $l0 i32) (local $l1 i64)
    global.get $__cpex_meter.fuel
    i64.const 1
    i64.sub
    global.set $__cpex_meter.fuel
    i32.const 1)
  (func $f (type $t0) (result i32)
    (local $l0 i32) (local $l1 i64)
    global.get $__cpex_meter.fuel
    i64.const 5
    i64.sub
    local.tee $l1
    global.set $__cpex_meter.fuel
    local.get $l1
    i64.const 0
    i64.lt_s
    if $I0
      local.get $l1
      call $__cpex_refill
      local.tee $l1
      global.set $__cpex_meter.fuel
      local.get $l1
      i64.eqz
      if $I1
        unreachable
      end
    end
    call $leaf
    call $leaf
    i32.add
    global.set $g
    global.get $g)
  (global $g (mut i32) (i32.const 0))
  (export "f" (func $f)))
