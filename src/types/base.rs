//! Windows base types, `GUID` and the HRESULT codes the API uses.
//!
//! The base type aliases are *not* emitted by cbindgen: the header defines
//! them itself (see `cbindgen.toml`), taking them from `<windows.h>` on
//! Windows and giving them their Windows x64 sizes everywhere else. Rust code
//! uses these aliases so that the generated declarations read like Windows'.

#![allow(non_camel_case_types, non_snake_case, clippy::upper_case_acronyms)]

use core::ffi::c_void;

pub type BYTE = u8;
pub type UINT8 = u8;
pub type UINT16 = u16;
pub type USHORT = u16;
pub type WORD = u16;
pub type UINT32 = u32;
pub type DWORD = u32;
pub type ULONG = u32;
pub type UINT = u32;
pub type LONG = i32;
pub type HRESULT = i32;
pub type BOOL = i32;
pub type SIZE_T = usize;
pub type LPVOID = *mut c_void;
pub type HANDLE = *mut c_void;
/// One UTF-16 code unit.
pub type WCHAR = u16;

/// A 64-bit count of 100-nanosecond intervals since 1601-01-01 (UTC).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FILETIME {
    pub dwLowDateTime: DWORD,
    pub dwHighDateTime: DWORD,
}

/// A globally unique identifier, laid out as on Windows.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GUID {
    pub Data1: u32,
    pub Data2: u16,
    pub Data3: u16,
    pub Data4: [u8; 8],
}

pub type IID = GUID;
pub type CLSID = GUID;
pub type REFIID = *const IID;

/// Operation succeeded.
#[cfg(not(naputil_header_win32))]
pub const S_OK: HRESULT = 0;
/// Operation succeeded with a qualified answer.
#[cfg(not(naputil_header_win32))]
pub const S_FALSE: HRESULT = 1;
/// `0x80004001`: not implemented.
#[cfg(not(naputil_header_win32))]
pub const E_NOTIMPL: HRESULT = 0x8000_4001_u32 as HRESULT;
/// `0x80004002`: the object does not support the requested interface.
#[cfg(not(naputil_header_win32))]
pub const E_NOINTERFACE: HRESULT = 0x8000_4002_u32 as HRESULT;
/// `0x80004003`: a required pointer argument was NULL.
#[cfg(not(naputil_header_win32))]
pub const E_POINTER: HRESULT = 0x8000_4003_u32 as HRESULT;
/// `0x80004005`: unspecified failure.
#[cfg(not(naputil_header_win32))]
pub const E_FAIL: HRESULT = 0x8000_4005_u32 as HRESULT;
/// `0x80070005`: access denied (e.g. revoking a spy while blocks allocated under it live).
#[cfg(not(naputil_header_win32))]
pub const E_ACCESSDENIED: HRESULT = 0x8007_0005_u32 as HRESULT;
/// `0x8007000E`: memory could not be allocated.
#[cfg(not(naputil_header_win32))]
pub const E_OUTOFMEMORY: HRESULT = 0x8007_000E_u32 as HRESULT;
/// `0x80070057`: an argument was invalid.
#[cfg(not(naputil_header_win32))]
pub const E_INVALIDARG: HRESULT = 0x8007_0057_u32 as HRESULT;
/// `0x800401FB`: no object is registered (e.g. no spy to revoke).
#[cfg(not(naputil_header_win32))]
pub const CO_E_OBJNOTREG: HRESULT = 0x8004_01FB_u32 as HRESULT;
/// `0x800401FC`: an object is already registered (e.g. a second spy).
#[cfg(not(naputil_header_win32))]
pub const CO_E_OBJISREG: HRESULT = 0x8004_01FC_u32 as HRESULT;

/// `CoGetMalloc`'s only valid context: the task allocator.
#[cfg(not(naputil_header_win32))]
pub const MEMCTX_TASK: DWORD = 1;

/// `IID_IUnknown`: {00000000-0000-0000-C000-000000000046}.
pub const IID_IUNKNOWN_VALUE: GUID = com_iid(0x0000_0000);
/// `IID_IMalloc`: {00000002-0000-0000-C000-000000000046}.
pub const IID_IMALLOC_VALUE: GUID = com_iid(0x0000_0002);
/// `IID_IMallocSpy`: {0000001D-0000-0000-C000-000000000046}.
pub const IID_IMALLOCSPY_VALUE: GUID = com_iid(0x0000_001D);

/// The IIDs of COM's own base interfaces share every part but `Data1`.
const fn com_iid(data1: u32) -> GUID {
    GUID { Data1: data1, Data2: 0, Data3: 0, Data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46] }
}
