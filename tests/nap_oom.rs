//! Every `Alloc*` NAP function, made to fail at each of its allocations:
//! it must return E_OUTOFMEMORY, leave nothing allocated and leave its
//! out-pointer alone. Needs `--features fault-injection`.
//!
//! One test function only: the failure countdown and the live-block counter
//! are process-wide.

use naputil::naputil_live_blocks;
use naputil::testing::fail_nth_allocation;
use naputil::types::base::{E_OUTOFMEMORY, HRESULT, S_OK};
use naputil::{
    AllocConnections, AllocCountedString, AllocFixupInfo, FreeConnections, FreeCountedString, FreeFixupInfo,
};

/// Runs `call` with its k-th allocation failing, for k = 1, 2, ..., until a
/// call succeeds; checks every failure left no block and no out-pointer
/// behind. Returns how many allocations the successful call made, and what
/// it wrote to its out-pointer.
fn fail_each_allocation(name: &str, mut call: impl FnMut(*mut *mut u8) -> HRESULT) -> (u64, *mut u8) {
    let sentinel = 0x5a5a_5a50 as *mut u8;
    for k in 1.. {
        let before = naputil_live_blocks();
        let mut out = sentinel;
        fail_nth_allocation(k);
        let hr = call(&mut out);
        fail_nth_allocation(0);
        if hr == S_OK {
            assert_ne!(out, sentinel, "{name}: success must write the out-pointer");
            return (k - 1, out);
        }
        assert_eq!(hr, E_OUTOFMEMORY, "{name}: allocation {k} failing");
        assert_eq!(out, sentinel, "{name}: allocation {k} failing must not write the out-pointer");
        assert_eq!(naputil_live_blocks(), before, "{name}: allocation {k} failing must not leak");
    }
    unreachable!("the countdown runs out once k exceeds the allocations made")
}

#[test]
fn alloc_functions_fail_cleanly_at_every_allocation() {
    let text: Vec<u16> = "fixup".encode_utf16().chain([0]).collect();
    let before = naputil_live_blocks();

    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation("AllocConnections(3)", |out| unsafe { AllocConnections(out.cast(), 3) });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeConnections(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation("AllocConnections(0)", |out| unsafe { AllocConnections(out.cast(), 0) });
    assert_eq!(made, 1);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeConnections(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) =
        fail_each_allocation("AllocCountedString", |out| unsafe { AllocCountedString(out.cast(), text.as_ptr()) });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeCountedString(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation("AllocFixupInfo(4)", |out| unsafe { AllocFixupInfo(out.cast(), 4) });
    assert_eq!(made, 2);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeFixupInfo(out.cast()) };
    // SAFETY: a valid out-pointer (and a NUL-terminated string).
    let (made, out) = fail_each_allocation("AllocFixupInfo(0)", |out| unsafe { AllocFixupInfo(out.cast(), 0) });
    assert_eq!(made, 1);
    // SAFETY: freeing what the successful call made.
    unsafe { FreeFixupInfo(out.cast()) };

    assert_eq!(naputil_live_blocks(), before, "everything allocated was freed");
}
