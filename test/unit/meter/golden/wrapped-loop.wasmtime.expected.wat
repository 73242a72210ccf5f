(module
  (type $t0 (func (param i32) (result i32)))
  (type $t1 (func (param i64) (result i64)))
  (import "__cpex_meter" "refill" (func $__cpex_meter.refill (type $t1)))
  (import "__cpex_meter" "fuel" (global $__cpex_meter.fuel (mut i64)))
  (func $sum (type $t0) (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $l3 i32) (local $l4 i64)
    global.get $__cpex_meter.fuel
    i64.const 1
    i64.sub
    local.set $l4
    local.get $l4
    i64.const 0
    i64.lt_s
    if $I0
      local.get $l4
      call $__cpex_meter.refill
      local.tee $l4
      i64.eqz
      if $I1
        unreachable
      end
    end
    block $B2
      block $B3
        loop $L4
          block $B5
            loop $L6
              local.get $l4
              i64.const 13
              i64.sub
              local.set $l4
              local.get $l4
              i64.const 0
              i64.lt_s
              br_if $B5
              local.get $i
              local.get $n
              i32.ge_u
              if $I7
                local.get $l4
                i64.const -9
                i64.sub
                local.set $l4
                br $B2
              end
              local.get $s
              local.get $i
              i32.add
              local.set $s
              local.get $i
              i32.const 1
              i32.add
              local.set $i
              br $L6
            end
            br $B3
          end
          local.get $l4
          call $__cpex_meter.refill
          local.tee $l4
          i64.eqz
          if $I8
            unreachable
          end
          local.get $l4
          i64.const 13
          i64.add
          local.set $l4
          br $L4
        end
      end
    end
    local.get $l4
    i64.const 1
    i64.sub
    local.set $l4
    local.get $s
    local.get $l4
    global.set $__cpex_meter.fuel)
  (export "sum" (func $sum)))
