//! Every `Alloc*` NAP function, made to fail at each of its allocations:
//! it must return E_OUTOFMEMORY, leave nothing allocated and leave its
//! out-pointer alone. Needs `--features fault-injection`.
//!
//! One test function only: the failure countdown and the live-block counter
//! are process-wide.

mod support;

use naputil::naputil_live_blocks;
use naputil::{
    AllocConnections, AllocCountedString, AllocFixupInfo, FreeConnections, FreeCountedString, FreeFixupInfo,
};
use support::fail_each_allocation;

#[test]
fn alloc_functions_fail_cleanly_at_every_allocation() {
    let text: Vec<u16> = "fixup".encode_utf16().chain([0]).collect();
    let before = naputil_live_blocks();

    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) =
        fail_each_allocation::<u8>("AllocConnections(3)", |out| unsafe { AllocConnections(out.cast(), 3) });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeConnections(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) =
        fail_each_allocation::<u8>("AllocConnections(0)", |out| unsafe { AllocConnections(out.cast(), 0) });
    assert_eq!(made, 1);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeConnections(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation::<u8>("AllocCountedString", |out| unsafe {
        AllocCountedString(out.cast(), text.as_ptr())
    });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeCountedString(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation::<u8>("AllocFixupInfo(4)", |out| unsafe { AllocFixupInfo(out.cast(), 4) });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeFixupInfo(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation::<u8>("AllocFixupInfo(0)", |out| unsafe { AllocFixupInfo(out.cast(), 0) });
    assert_eq!(made, 1);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeFixupInfo(out.cast()) };

    assert_eq!(naputil_live_blocks(), before, "everything allocated was freed");
}
