//! Plain C layouts: Windows base types, COM interfaces, NAP types and
//! constants, and the library's own diagnostic types. Nothing here has
//! behaviour beyond conversions, and this layer depends on no other.
//!
//! The submodules are declared in the order cbindgen emits their constants.

pub mod diag;
pub mod nap;
pub mod base;
pub mod com;
pub mod soh;
