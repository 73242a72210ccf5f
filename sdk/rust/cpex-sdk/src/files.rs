//! Reading granted files (`sandbox_policy.allowed_filesystem`, docs/configuration.md). `std::fs` works as it is
//! through WASI: a granted directory `data/rules` is a preopen, so `std::fs::read_to_string("data/rules/x.txt")`
//! reads `x.txt` below it. These wrappers turn I/O errors into a [`PluginError`] with a stable code, so a
//! plugin can fail its `init` (and the load) with a clear message when its rules are missing.

use crate::types::PluginError;

/// Read a granted file as UTF-8 text; error code `file_unreadable`.
pub fn read_to_string(path: &str) -> Result<String, PluginError> {
    std::fs::read_to_string(path)
        .map_err(|e| PluginError::new("file_unreadable", format!("cannot read {}: {}", path, e)))
}

/// Read a granted file as bytes; error code `file_unreadable`.
pub fn read(path: &str) -> Result<Vec<u8>, PluginError> {
    std::fs::read(path).map_err(|e| PluginError::new("file_unreadable", format!("cannot read {}: {}", path, e)))
}

/// The names in a granted directory, sorted; error code `file_unreadable`.
pub fn list(path: &str) -> Result<Vec<String>, PluginError> {
    let entries = std::fs::read_dir(path)
        .map_err(|e| PluginError::new("file_unreadable", format!("cannot list {}: {}", path, e)))?;
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    Ok(names)
}
