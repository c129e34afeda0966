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
/// A window handle (only passed through, as `INapComponentConfig::InvokeUI`'s parent).
pub type HWND = *mut c_void;
/// One UTF-16 code unit.
pub type WCHAR = u16;
/// A COM string: a pointer to UTF-16 code units (only passed through).
pub type BSTR = *mut WCHAR;
/// A `BSTR` parameter the callee may not repoint; the header spells it
/// `const BSTR` (see the naming convention in `nap.rs`).
pub type CONST_BSTR = BSTR;

/// An OLE automation `VARIANT`. NAP signatures only pass pointers to it, so
/// the header declares it as an incomplete type.
#[repr(C)]
pub struct VARIANT {
    _opaque: [u8; 0],
}

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

impl GUID {
    /// The GUID written as `"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"` (hex
    /// digits in either case), evaluated at compile time. `build.rs` reads
    /// the same string for the header, so an IID or CLSID is written once.
    ///
    /// # Panics
    /// On a malformed string; in a `const` that is a compile error.
    pub const fn parse(text: &str) -> GUID {
        let b = text.as_bytes();
        assert!(b.len() == 36 && b[8] == b'-' && b[13] == b'-' && b[18] == b'-' && b[23] == b'-');
        let mut data4 = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            let at = if i < 2 { 19 + 2 * i } else { 24 + 2 * (i - 2) };
            data4[i] = hex(b, at, 2) as u8;
            i += 1;
        }
        GUID { Data1: hex(b, 0, 8), Data2: hex(b, 9, 4) as u16, Data3: hex(b, 14, 4) as u16, Data4: data4 }
    }
}

/// The value of `len` hex digits of `text` starting at `at`.
const fn hex(text: &[u8], at: usize, len: usize) -> u32 {
    let mut value = 0u32;
    let mut i = 0;
    while i < len {
        let digit = match text[at + i] {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            c @ b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        };
        value = (value << 4) | digit as u32;
        i += 1;
    }
    value
}

pub type IID = GUID;
pub type CLSID = GUID;
pub type REFIID = *const IID;
pub type REFCLSID = *const CLSID;

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
pub const IID_IUNKNOWN_VALUE: GUID = GUID::parse("00000000-0000-0000-C000-000000000046");
/// `IID_IMalloc`: {00000002-0000-0000-C000-000000000046}.
pub const IID_IMALLOC_VALUE: GUID = GUID::parse("00000002-0000-0000-C000-000000000046");
/// `IID_IMallocSpy`: {0000001D-0000-0000-C000-000000000046}.
pub const IID_IMALLOCSPY_VALUE: GUID = GUID::parse("0000001D-0000-0000-C000-000000000046");

#[cfg(test)]
mod tests {
    use super::GUID;

    #[test]
    fn parse_reads_every_field_in_either_case() {
        let expected = GUID {
            Data1: 0xFB3A_3505,
            Data2: 0xDDB1,
            Data3: 0x468A,
            Data4: [0xB3, 0x07, 0xF3, 0x28, 0xA5, 0x74, 0x19, 0xD8],
        };
        assert_eq!(GUID::parse("FB3A3505-DDB1-468A-B307-F328A57419D8"), expected);
        assert_eq!(GUID::parse("fb3a3505-ddb1-468a-b307-f328a57419d8"), expected);
        assert_eq!(GUID::parse("00000000-0000-0000-0000-000000000000"), GUID::default());
    }

    #[test]
    #[should_panic]
    fn parse_rejects_a_malformed_string() {
        let _ = GUID::parse("FB3A3505-DDB1-468A-B307F328A57419D8-");
    }
}
