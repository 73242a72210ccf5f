//! The `cpex.hooks` custom section (docs/abi.md §1.1): the hooks a module handles, so the host can reject a YAML
//! `hooks:` entry the plugin would never serve. [`export_plugin!`](crate::export_plugin) builds it at compile time
//! from the hook markers' `Hook::NAME`; these `const fn`s run in the compiler, so a bad or duplicated hook name is
//! a build error rather than a load error.
//!
//! Encoding: byte `1` (format version), LEB128 count, then per hook a LEB128 byte length and the name's bytes.
//!
//! A plugin listing a hook once builds; listing it twice does not:
//!
//! ```
//! use cpex_sdk::*;
//! struct P;
//! impl Plugin for P { fn init(_: Value) -> Result<Self, PluginError> { Ok(P) } }
//! impl HookHandler<ToolPreInvoke> for P {
//!     fn handle(&mut self, _: &ToolPreInvokePayload, _: &Extensions, _: &mut PluginContext)
//!         -> Result<PluginResult<ToolPreInvokePayload>, PluginError> { Ok(PluginResult::allow()) }
//! }
//! export_plugin!(P, [ToolPreInvoke]);
//! ```
//!
//! ```compile_fail
//! use cpex_sdk::*;
//! struct P;
//! impl Plugin for P { fn init(_: Value) -> Result<Self, PluginError> { Ok(P) } }
//! impl HookHandler<ToolPreInvoke> for P {
//!     fn handle(&mut self, _: &ToolPreInvokePayload, _: &Extensions, _: &mut PluginContext)
//!         -> Result<PluginResult<ToolPreInvokePayload>, PluginError> { Ok(PluginResult::allow()) }
//! }
//! export_plugin!(P, [ToolPreInvoke, ToolPreInvoke]);
//! ```
//!
//! The functions avoid `&mut` because mutable references are not allowed in `const fn` on the supported toolchain
//! (rustc 1.63): the buffer is passed by value and returned.

/// Name of the custom section.
pub const SECTION_NAME: &str = "cpex.hooks";
/// First byte of the section content.
pub const FORMAT_VERSION: u8 = 1;
/// Most hooks one module may declare.
pub const MAX_HOOKS: usize = 64;
/// Longest hook name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

const fn leb128_len(mut value: usize) -> usize {
    let mut n = 1;
    while value >= 0x80 {
        value >>= 7;
        n += 1;
    }
    n
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn valid_name(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return false;
    }
    let mut i = 0;
    while i < name.len() {
        let c = name[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'.') {
            return false;
        }
        i += 1;
    }
    true
}

/// Panic (a compile error when evaluated in a constant) unless `names` satisfies the section's limits.
pub const fn check(names: &[&str]) {
    if names.is_empty() {
        panic!("cpex.hooks: a plugin must declare at least one hook");
    }
    if names.len() > MAX_HOOKS {
        panic!("cpex.hooks: more than 64 hooks");
    }
    let mut i = 0;
    while i < names.len() {
        if !valid_name(names[i].as_bytes()) {
            panic!("cpex.hooks: a hook name must be 1 to 128 characters of [a-z0-9_.]");
        }
        let mut j = 0;
        while j < i {
            if same_bytes(names[i].as_bytes(), names[j].as_bytes()) {
                panic!("cpex.hooks: a hook is listed twice");
            }
            j += 1;
        }
        i += 1;
    }
}

/// Byte length of the section content for `names` (checks them first).
pub const fn encoded_len(names: &[&str]) -> usize {
    check(names);
    let mut len = 1 + leb128_len(names.len());
    let mut i = 0;
    while i < names.len() {
        len += leb128_len(names[i].len()) + names[i].len();
        i += 1;
    }
    len
}

const fn put_leb128<const N: usize>(mut out: [u8; N], mut at: usize, mut value: usize) -> ([u8; N], usize) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out[at] = low;
            return (out, at + 1);
        }
        out[at] = low | 0x80;
        at += 1;
    }
}

/// The section content for `names`; `N` must be [`encoded_len`]`(names)`.
pub const fn encode<const N: usize>(names: &[&str]) -> [u8; N] {
    if N != encoded_len(names) {
        panic!("cpex.hooks: buffer length differs from encoded_len");
    }
    let mut out = [0u8; N];
    out[0] = FORMAT_VERSION;
    let (mut out, mut at) = put_leb128(out, 1, names.len());
    let mut i = 0;
    while i < names.len() {
        let bytes = names[i].as_bytes();
        let (next, start) = put_leb128(out, at, bytes.len());
        out = next;
        let mut k = 0;
        while k < bytes.len() {
            out[start + k] = bytes[k];
            k += 1;
        }
        at = start + bytes.len();
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[&str] = &["tool_pre_invoke", "cmf.llm_input"];
    const TWO_LEN: usize = encoded_len(TWO);
    // Evaluated by the compiler, as in `export_plugin!`.
    const TWO_BYTES: [u8; TWO_LEN] = encode::<TWO_LEN>(TWO);

    #[test]
    fn encodes_version_count_and_length_prefixed_names() {
        let mut expected = vec![1u8, 2, 15];
        expected.extend_from_slice(b"tool_pre_invoke");
        expected.push(13);
        expected.extend_from_slice(b"cmf.llm_input");
        assert_eq!(TWO_BYTES.to_vec(), expected);
    }

    #[test]
    fn a_128_byte_name_takes_a_two_byte_length() {
        let long = "a".repeat(MAX_NAME_BYTES);
        let names: &[&str] = &[long.as_str()];
        assert_eq!(encoded_len(names), 1 + 1 + 2 + 128);
        let bytes = encode::<132>(names);
        assert_eq!(&bytes[..4], &[1, 1, 0x80, 0x01]);
    }

    #[test]
    #[should_panic(expected = "listed twice")]
    fn rejects_duplicates() {
        check(&["tool_pre_invoke", "tool_pre_invoke"]);
    }

    #[test]
    #[should_panic(expected = "[a-z0-9_.]")]
    fn rejects_names_outside_the_alphabet() {
        check(&["Tool_Pre_Invoke"]);
    }

    #[test]
    #[should_panic(expected = "at least one hook")]
    fn rejects_an_empty_list() {
        check(&[]);
    }

    #[test]
    #[should_panic(expected = "more than 64")]
    fn rejects_more_than_64_hooks() {
        let names: Vec<String> = (0..65).map(|i| format!("h{}", i)).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        check(&refs);
    }
}
