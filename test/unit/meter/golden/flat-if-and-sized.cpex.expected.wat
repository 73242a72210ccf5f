(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i64) (result i64)))
  (import "__cpex_meter" "refill" (func $__cpex_meter.refill (type $t1)))
  (import "__cpex_meter" "fuel" (global $__cpex_meter.fuel (mut i64)))
  (func $f (type $t0) (param $p0 i32) (result i32)
    (local $l1 i32) (local $l2 i64)
    global.get $__cpex_meter.fuel
    i64.const 12
    i64.sub
    local.tee $l2
    global.set $__cpex_meter.fuel
    local.get $l2
    i64.const 0
    i64.lt_s
    if $I0
      local.get $l2
      call $__cpex_meter.refill
      local.tee $l2
      global.set $__cpex_meter.fuel
      local.get $l2
      i64.eqz
      if $I1
        unreachable
      end
    end
    local.get $p0
    if $I2 (result i32)
      i32.const 1
    else
      i32.const 2
      i32.const 3
      i32.add
    end
    local.get $p0
    local.tee $l1
    global.get $__cpex_meter.fuel
    local.get $l1
    i32.const 0
    local.get $l1
    i32.const 16
    memory.size
    i32.sub
    i32.le_u
    select
    i64.extend_i32_u
    i64.const 12
    i64.shl
    i64.sub
    global.set $__cpex_meter.fuel
    global.get $__cpex_meter.fuel
    local.set $l2
    local.get $l2
    i64.const 0
    i64.lt_s
    if $I3
      local.get $l2
      call $__cpex_meter.refill
      local.tee $l2
      global.set $__cpex_meter.fuel
      local.get $l2
      i64.eqz
      if $I4
        unreachable
      end
    end
    memory.grow
    drop
    i32.const 0
    i32.const 0
    local.get $p0
    local.tee $l1
    global.get $__cpex_meter.fuel
    local.get $l1
    i64.extend_i32_u
    i64.const 4
    i64.shr_u
    i64.sub
    global.set $__cpex_meter.fuel
    global.get $__cpex_meter.fuel
    local.set $l2
    local.get $l2
    i64.const 0
    i64.lt_s
    if $I5
      local.get $l2
      call $__cpex_meter.refill
      local.tee $l2
      global.set $__cpex_meter.fuel
      local.get $l2
      i64.eqz
      if $I6
        unreachable
      end
    end
    memory.fill)
  (memory $memory 1 16)
  (export "memory" (memory $memory))
  (export "f" (func $f)))
