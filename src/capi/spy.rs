//! `CoRegisterMallocSpy` and `CoRevokeMallocSpy` (see `crate::spy`).

use super::contain;
use crate::spy;
use crate::types::com::IMallocSpy;
use crate::types::nap::WINAPI_HRESULT;

/// Registers an allocation spy.
///
/// From now on every allocator call (`CoTaskMemAlloc`, `CoTaskMemRealloc`,
/// `CoTaskMemFree` and the task `IMalloc`'s methods) calls the spy's
/// Pre-method, performs the operation on the pointer and size the
/// Pre-method returned, and gives the caller what the Post-method returned.
/// `PreAlloc` (or `PreRealloc`) returning 0 for a non-zero request makes the
/// call fail with NULL without calling the Post-method; `Free(NULL)` calls
/// no spy method. A spy may enlarge requests and hand out pointers offset
/// into the actual block; its Pre-methods then translate them back.
///
/// The library takes its reference with `QueryInterface(IID_IMallocSpy)`
/// and releases it when the spy is revoked. The spy's methods run with no
/// library lock held: they may call the allocator, and may run on several
/// threads at once, so they must be thread-safe. A NULL method slot is
/// treated as a method that changes nothing.
///
/// Returns `S_OK`; `E_INVALIDARG` for a NULL spy (or one without
/// `QueryInterface`); `CO_E_OBJISREG` when a spy is already registered or
/// its revoke is still pending; or the failure `QueryInterface` returned.
/// The NAP `Alloc*` and `Free*` functions allocate and free through the
/// spy too, as `CoTaskMemAlloc` and `CoTaskMemFree` do.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub unsafe extern "system" fn CoRegisterMallocSpy(pMallocSpy: *mut IMallocSpy) -> WINAPI_HRESULT {
    // SAFETY: a non-NULL spy is a COM object per this function's contract.
    contain(|| unsafe { spy::register(pMallocSpy) })
}

/// Revokes the registered allocation spy.
///
/// Returns `S_OK` when the spy was revoked with no block allocated under it
/// live or being allocated: it is released (its `Release` called) at once,
/// or, when calls that began before the revoke are still inside its
/// methods, as soon as the last of them returns; no call that begins after
/// the revoke calls it. Returns `CO_E_OBJNOTREG` when no spy is registered.
/// Returns `E_ACCESSDENIED` when blocks allocated under the spy are still
/// live, or an allocation under it is in flight (a revoke from inside the
/// spy's own `PreAlloc` is one): the revoke is then pending, new
/// allocations are no longer spied, the spy keeps being called for the
/// calls on those blocks, and it is released automatically when the last
/// of them is freed. Calling this again while the revoke is pending
/// returns `E_ACCESSDENIED` again.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub unsafe extern "system" fn CoRevokeMallocSpy() -> WINAPI_HRESULT {
    contain(spy::revoke)
}
