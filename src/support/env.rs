//! The environment, read as bytes.

/// The value of the environment variable `name`, if set.
pub(crate) fn var(name: &str) -> Option<Vec<u8>> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned().into_bytes())
}
