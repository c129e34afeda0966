//! Plain C layouts: Windows base types, COM interfaces, NAP types and
//! constants, and the library's own diagnostic types. Nothing here has
//! behaviour beyond conversions, and this layer depends on no other.
//!
//! The submodules are declared in the order cbindgen emits their constants.
//! The `nap_*` modules hold the COM interfaces of the Windows header each is
//! named after (the interface of `NapEnforcementClient.h` that the library
//! itself calls, `INapEnforcementClientConnection`, is in `nap`).

pub mod diag;
pub mod nap;
pub mod base;
pub mod com;
pub mod nap_vendor_ids;
pub mod nap_protocol;
pub mod nap_enforcement_client;
pub mod nap_system_health_agent;
pub mod nap_system_health_validator;
pub mod nap_management;
pub mod nap_server_management;
pub mod nap_common;
pub mod nap_cert_relying_party;
pub mod soh;
