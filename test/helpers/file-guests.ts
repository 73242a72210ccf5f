// WAT guests for the file-grant tests: the payload is a path (a MessagePack string); the guest opens it below
// preopen fd 3 and returns what it read as `modified_payload` (a string), or the WASI errno (an integer).
import { guest } from "./wat.js";

const WASI = `(import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))`;

// {modified_payload: …}: 0x81, fixstr(16) "modified_payload".
const PREFIX = "\\81\\b0modified_payload";

const common = `
  (data (i32.const 4096) "${PREFIX}")
  (func $errno (param $e i32) (result i32)
    (i32.store8 (i32.const 4114) (i32.const 0xcc))
    (i32.store8 (i32.const 4115) (local.get $e))
    (drop (call $result_set (i32.const 4096) (i32.const 20)))
    (i32.const 0))
  ;; The payload string's bytes: pointer at 96, length at 92.
  (func $path
    (local $n i32)
    (local.set $n (call $payload_len))
    (drop (call $payload_read (i32.const 8192) (local.get $n)))
    (i32.store (i32.const 96) (i32.const 8193))
    (i32.store (i32.const 92) (i32.sub (local.get $n) (i32.const 1)))
    (if (i32.eq (i32.load8_u (i32.const 8192)) (i32.const 0xd9))
      (then (i32.store (i32.const 96) (i32.const 8194)) (i32.store (i32.const 92) (i32.load8_u (i32.const 8193)))))
    (if (i32.eq (i32.load8_u (i32.const 8192)) (i32.const 0xda))
      (then (i32.store (i32.const 96) (i32.const 8195)) (i32.store (i32.const 92) (i32.sub (local.get $n) (i32.const 3))))))
  ;; Return the \`got\` bytes at 20000 as a str32.
  (func $content (param $got i32) (result i32)
    (memory.copy (i32.const 19977) (i32.const 4096) (i32.const 18))
    (i32.store8 (i32.const 19995) (i32.const 0xdb))
    (i32.store8 (i32.const 19996) (i32.shr_u (local.get $got) (i32.const 24)))
    (i32.store8 (i32.const 19997) (i32.shr_u (local.get $got) (i32.const 16)))
    (i32.store8 (i32.const 19998) (i32.shr_u (local.get $got) (i32.const 8)))
    (i32.store8 (i32.const 19999) (local.get $got))
    (drop (call $result_set (i32.const 19977) (i32.add (i32.const 23) (local.get $got))))
    (i32.const 0))`;

/** Opens the payload path read-only below fd 3 and returns its content (up to 60 000 bytes) or the errno. */
export const readFileGuest = guest(
  `${common}
  (func (export "cpex_handle") (result i32)
    (local $e i32)
    (call $path)
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.load (i32.const 96)) (i32.load (i32.const 92))
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (i32.store (i32.const 200) (i32.const 20000))
    (i32.store (i32.const 204) (i32.const 60000))
    (local.set $e (call $fd_read (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 208)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (drop (call $fd_close (i32.load (i32.const 100))))
    (call $content (i32.load (i32.const 208))))`,
  { extraImports: WASI },
);

/**
 * Scratch round trip: creates the payload path below fd 3 (O_CREAT|O_EXCL), writes "scratch!" to it, reopens it
 * and returns what it reads back; an errno when any step fails (a second call fails with EEXIST, 20, unless the
 * instance is new).
 */
export const scratchGuest = guest(
  `${common}
  (data (i32.const 300) "scratch!")
  (func (export "cpex_handle") (result i32)
    (local $e i32)
    (call $path)
    (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.load (i32.const 96)) (i32.load (i32.const 92))
      (i32.const 5) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 100)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (i32.store (i32.const 200) (i32.const 300))
    (i32.store (i32.const 204) (i32.const 8))
    (local.set $e (call $fd_write (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 208)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (drop (call $fd_close (i32.load (i32.const 100))))
    (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.load (i32.const 96)) (i32.load (i32.const 92))
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (i32.store (i32.const 200) (i32.const 20000))
    (i32.store (i32.const 204) (i32.const 60000))
    (local.set $e (call $fd_read (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 208)))
    (if (local.get $e) (then (return (call $errno (local.get $e)))))
    (call $content (i32.load (i32.const 208))))`,
  { extraImports: WASI },
);
