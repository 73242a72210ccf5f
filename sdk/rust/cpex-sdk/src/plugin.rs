//! The `Plugin` / `HookHandler` traits and the glue the export macro uses.

use crate::abi::{self, Input};
use crate::extensions::Extensions;
use crate::payloads::Hook;
use crate::types::{PluginContext, PluginError, PluginResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A plugin's lifecycle: built once per instance from its YAML `config:` (`cpex_init`).
pub trait Plugin: Sized {
    /// Build the plugin from its config (`Value::Null` when the YAML has none). An error fails the load.
    fn init(config: Value) -> Result<Self, PluginError>;
}

/// One hook handler (`HookHandler<H>` in CPEX). The payload and extensions are read-only; return a result.
pub trait HookHandler<H: Hook>: Plugin {
    /// Handle one invocation of hook `H`.
    fn handle(
        &mut self,
        payload: &H::Payload,
        extensions: &Extensions,
        ctx: &mut PluginContext,
    ) -> Result<PluginResult<H::Payload>, PluginError>;
}

/// Routing of hook names to handlers; implemented by [`export_plugin!`](crate::export_plugin).
pub trait Dispatch: Plugin {
    /// Run the handler for `hook` against the current inputs and hand its result to the host.
    fn dispatch(&mut self, hook: &str) -> Result<(), PluginError>;
}

fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, PluginError> {
    rmp_serde::from_slice(bytes).map_err(|e| PluginError::new("invalid_input", format!("cannot decode {}: {}", what, e)))
}

/// Decode the inputs for hook `H`, run the handler, encode and hand over the result.
pub fn run_hook<P: HookHandler<H>, H: Hook>(plugin: &mut P) -> Result<(), PluginError> {
    let payload: H::Payload = decode(&abi::read(Input::Payload), "payload")?;
    let ext_bytes = abi::read(Input::Extensions);
    let extensions: Extensions = if ext_bytes.is_empty() { Extensions::default() } else { decode(&ext_bytes, "extensions")? };
    let ctx_bytes = abi::read(Input::Context);
    let mut ctx: PluginContext = if ctx_bytes.is_empty() { PluginContext::default() } else { decode(&ctx_bytes, "context")? };
    let before = ctx.clone();
    let result = plugin.handle(&payload, &extensions, &mut ctx)?;
    let mut wire = serde_json::to_value(WireResult { result: &result })
        .map_err(|e| PluginError::new("invalid_result", e.to_string()))?;
    if ctx != before {
        if let Value::Object(map) = &mut wire {
            map.insert("context".to_string(), serde_json::to_value(&ctx).unwrap_or(Value::Null));
        }
    }
    let bytes = rmp_serde::to_vec_named(&wire).map_err(|e| PluginError::new("invalid_result", e.to_string()))?;
    abi::set_result(&bytes);
    Ok(())
}

#[derive(Serialize)]
struct WireResult<'a, P: Serialize> {
    #[serde(flatten)]
    result: &'a PluginResult<P>,
}

/// Install the panic hook: the panic message goes to the host (`error_set`) before the abort traps, so the host
/// reports a trap *with the message* instead of an opaque `unreachable`.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        abi::set_error(&PluginError::new("panic", format!("{}{}", message, location)));
    }));
}

/// `cpex_init` body: read the config and build the plugin.
pub fn init<P: Plugin>(slot: &mut Option<P>) -> i32 {
    install_panic_hook();
    let config_bytes = abi::read(Input::Config);
    let config = if config_bytes.is_empty() {
        Ok(Value::Null)
    } else {
        decode::<Value>(&config_bytes, "config")
    };
    match config.and_then(P::init) {
        Ok(plugin) => {
            *slot = Some(plugin);
            0
        }
        Err(e) => {
            abi::set_error(&e);
            1
        }
    }
}

/// `cpex_handle` body: route by hook name.
pub fn handle<P: Dispatch>(slot: &mut Option<P>) -> i32 {
    let plugin = match slot.as_mut() {
        Some(p) => p,
        None => {
            abi::set_error(&PluginError::new("not_initialized", "cpex_init did not succeed"));
            return 1;
        }
    };
    let hook = String::from_utf8_lossy(&abi::read(Input::HookName)).into_owned();
    match plugin.dispatch(&hook) {
        Ok(()) => 0,
        Err(e) => {
            abi::set_error(&e);
            1
        }
    }
}

/// Export a plugin type: generates `cpex_abi_version`, `cpex_init` and `cpex_handle` (on wasm32), the routing
/// from hook names to its `HookHandler` implementations, and the `cpex.hooks` custom section declaring those hooks
/// (docs/abi.md §1.1), so the host rejects a YAML `hooks:` entry the plugin does not handle. The section is built
/// by the compiler: a hook listed twice is a build error.
///
/// ```text
/// cpex_sdk::export_plugin!(UrlGuard, [ResourcePreFetch]);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty, [$($hook:ty),+ $(,)?]) => {
        impl $crate::Dispatch for $plugin {
            fn dispatch(&mut self, hook: &str) -> ::std::result::Result<(), $crate::PluginError> {
                $(
                    if hook == <$hook as $crate::Hook>::NAME {
                        return $crate::run_hook::<$plugin, $hook>(self);
                    }
                )+
                Err($crate::PluginError::new("unknown_hook", format!("this plugin does not handle hook '{}'", hook)))
            }
        }

        // The static is built on every target so `cargo test` checks the list too; only wasm32 puts it in a
        // custom section. `#[used]` keeps it through LTO although nothing references it.
        const _: () = {
            const NAMES: &[&str] = &[$(<$hook as $crate::Hook>::NAME),+];
            const LEN: usize = $crate::hook_section::encoded_len(NAMES);
            #[cfg_attr(target_arch = "wasm32", link_section = "cpex.hooks")]
            #[used]
            static CPEX_HOOKS: [u8; LEN] = $crate::hook_section::encode::<LEN>(NAMES);
        };

        #[cfg(target_arch = "wasm32")]
        static mut __CPEX_PLUGIN: ::std::option::Option<$plugin> = None;

        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub extern "C" fn cpex_abi_version() -> i32 {
            $crate::ABI_VERSION
        }

        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub extern "C" fn cpex_init() -> i32 {
            // Safety: the host calls a plugin instance from one thread, one call at a time.
            unsafe { $crate::plugin::init::<$plugin>(&mut __CPEX_PLUGIN) }
        }

        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub extern "C" fn cpex_handle() -> i32 {
            unsafe { $crate::plugin::handle::<$plugin>(&mut __CPEX_PLUGIN) }
        }
    };
}
