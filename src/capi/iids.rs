//! The interface identifiers the library exports, as Windows' libraries
//! (uuid.lib) do.

use crate::types::base::{GUID, IID, IID_IMALLOCSPY_VALUE, IID_IMALLOC_VALUE, IID_IUNKNOWN_VALUE};
use crate::types::nap::IID_INAPENFORCEMENTCLIENTCONNECTION_VALUE;

/// `IID_IMallocSpy`, the interface id `CoRegisterMallocSpy` asks a spy for:
/// {0000001D-0000-0000-C000-000000000046}.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IMallocSpy: IID = IID_IMALLOCSPY_VALUE;

/// `IID_INapEnforcementClientConnection`:
/// {FB3A3505-DDB1-468A-B307-F328A57419D8}.
#[no_mangle]
pub static IID_INapEnforcementClientConnection: IID = IID_INAPENFORCEMENTCLIENTCONNECTION_VALUE;

/// `IID_IUnknown`, for `QueryInterface` calls.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IUnknown: GUID = IID_IUNKNOWN_VALUE;

/// `IID_IMalloc`, for `QueryInterface` calls.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IMalloc: GUID = IID_IMALLOC_VALUE;
