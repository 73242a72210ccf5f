//! Safe wrappers over the `cpex` host functions (docs/abi.md). On wasm32 they call the host; natively they read
//! and write a thread-local test host, so the same plugin code runs under `cargo test`.

use crate::types::PluginError;

#[cfg(target_arch = "wasm32")]
mod sys {
    #[link(wasm_import_module = "cpex")]
    extern "C" {
        pub fn hook_name_len() -> i32;
        pub fn hook_name_read(ptr: *mut u8, cap: i32) -> i32;
        pub fn payload_len() -> i32;
        pub fn payload_read(ptr: *mut u8, cap: i32) -> i32;
        pub fn extensions_len() -> i32;
        pub fn extensions_read(ptr: *mut u8, cap: i32) -> i32;
        pub fn context_len() -> i32;
        pub fn context_read(ptr: *mut u8, cap: i32) -> i32;
        pub fn config_len() -> i32;
        pub fn config_read(ptr: *mut u8, cap: i32) -> i32;
        pub fn result_set(ptr: *const u8, len: i32) -> i32;
        pub fn error_set(ptr: *const u8, len: i32) -> i32;
        pub fn log(level: i32, ptr: *const u8, len: i32) -> i32;
    }
}

/// Which input to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The hook name (UTF-8).
    HookName,
    /// MessagePack payload.
    Payload,
    /// MessagePack capability-filtered extensions.
    Extensions,
    /// MessagePack `{local_state, global_state}`.
    Context,
    /// MessagePack plugin config.
    Config,
}

/// Read one input from the host.
#[cfg(target_arch = "wasm32")]
pub fn read(input: Input) -> Vec<u8> {
    let (len, read): (unsafe extern "C" fn() -> i32, unsafe extern "C" fn(*mut u8, i32) -> i32) = match input {
        Input::HookName => (sys::hook_name_len, sys::hook_name_read),
        Input::Payload => (sys::payload_len, sys::payload_read),
        Input::Extensions => (sys::extensions_len, sys::extensions_read),
        Input::Context => (sys::context_len, sys::context_read),
        Input::Config => (sys::config_len, sys::config_read),
    };
    let n = unsafe { len() } as usize;
    let mut buf = vec![0u8; n];
    let written = unsafe { read(buf.as_mut_ptr(), n as i32) } as usize;
    buf.truncate(written.min(n));
    buf
}

/// Hand the encoded result to the host.
#[cfg(target_arch = "wasm32")]
pub fn set_result(bytes: &[u8]) -> i32 {
    unsafe { sys::result_set(bytes.as_ptr(), bytes.len() as i32) }
}

/// Report a plugin error to the host (used before returning a non-zero status).
#[cfg(target_arch = "wasm32")]
pub fn set_error(error: &PluginError) -> i32 {
    let bytes = encode_error(error);
    unsafe { sys::error_set(bytes.as_ptr(), bytes.len() as i32) }
}

/// Log a line through the host's logger (`level`: 0 trace … 4 error).
#[cfg(target_arch = "wasm32")]
pub fn log(level: i32, text: &str) {
    unsafe {
        sys::log(level, text.as_ptr(), text.len() as i32);
    }
}

fn encode_error(error: &PluginError) -> Vec<u8> {
    rmp_serde::to_vec_named(&serde_json::json!({
        "message": error.message,
        "code": error.code,
        "details": error.details,
    }))
    .unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::{log, read, set_error, set_result};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod native {
    use super::{encode_error, Input};
    use crate::http::{HttpError, Request, Response};
    use crate::types::PluginError;
    use std::cell::RefCell;

    #[derive(Default)]
    pub(crate) struct TestHost {
        pub hook: Vec<u8>,
        pub payload: Vec<u8>,
        pub extensions: Vec<u8>,
        pub context: Vec<u8>,
        pub config: Vec<u8>,
        pub result: Option<Vec<u8>>,
        pub error: Option<Vec<u8>>,
        pub logs: Vec<(i32, String)>,
    }

    thread_local! {
        pub(crate) static HOST: RefCell<TestHost> = RefCell::new(TestHost::default());
        pub(crate) static HTTP: RefCell<Option<Box<dyn Fn(&Request) -> Result<Response, HttpError>>>> = RefCell::new(None);
    }

    /// Answer a request with the test responder (`testing::set_http_responder`), else `connect_failed`.
    pub fn http(req: &Request) -> Result<Response, HttpError> {
        HTTP.with(|h| match h.borrow().as_ref() {
            Some(f) => f(req),
            None => Err(HttpError { code: "connect_failed".to_string(), message: "no test responder".to_string() }),
        })
    }

    /// Read one input from the test host.
    pub fn read(input: Input) -> Vec<u8> {
        HOST.with(|h| {
            let h = h.borrow();
            match input {
                Input::HookName => h.hook.clone(),
                Input::Payload => h.payload.clone(),
                Input::Extensions => h.extensions.clone(),
                Input::Context => h.context.clone(),
                Input::Config => h.config.clone(),
            }
        })
    }

    /// Store the encoded result in the test host.
    pub fn set_result(bytes: &[u8]) -> i32 {
        HOST.with(|h| h.borrow_mut().result = Some(bytes.to_vec()));
        0
    }

    /// Store an error in the test host.
    pub fn set_error(error: &PluginError) -> i32 {
        let bytes = encode_error(error);
        HOST.with(|h| h.borrow_mut().error = Some(bytes));
        0
    }

    /// Record a log line in the test host.
    pub fn log(level: i32, text: &str) {
        HOST.with(|h| h.borrow_mut().logs.push((level, text.to_string())));
    }
}
