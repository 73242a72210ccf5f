(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i64) (result i64)))
  (import "__cpex_meter" "refill" (func $__cpex_meter.refill (type $t1)))
  (import "__cpex_meter" "fuel" (global $__cpex_meter.fuel (mut i64)))
  (func $f (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64)
    global.get $__cpex_meter.fuel
    i64.const 5
    i64.sub
    global.set $__cpex_meter.fuel
    block $B0
      local.get $p0
      if $I1
        global.get $__cpex_meter.fuel
        i64.const -2
        i64.sub
        global.set $__cpex_meter.fuel
        br $B0
      end
      i32.const 1
      drop
      br $B0
      i32.const 2
      drop
    end
    global.get $__cpex_meter.fuel
    i64.const 3
    i64.sub
    global.set $__cpex_meter.fuel
    local.get $p0
    if $I2 (result i32)
      i32.const 3
    else
      global.get $__cpex_meter.fuel
      i64.const 2
      i64.sub
      global.set $__cpex_meter.fuel
      i32.const 4
      i32.const 5
      i32.add
    end)
  (export "f" (func $f)))
