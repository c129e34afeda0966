//! Test-only seams, compiled into test builds and into builds with the
//! `fault-injection` feature; release builds have none of this.

use core::sync::atomic::{AtomicU64, Ordering};

static COUNTDOWN: AtomicU64 = AtomicU64::new(0);
static INJECTED: AtomicU64 = AtomicU64::new(0);

/// Makes the `k`-th libc allocation from now (1-based) fail; 0 disables.
pub fn fail_nth_allocation(k: u64) {
    COUNTDOWN.store(k, Ordering::SeqCst);
}

/// How many allocations have been made to fail so far.
pub fn injected_faults() -> u64 {
    INJECTED.load(Ordering::SeqCst)
}

pub(crate) fn should_fail() -> bool {
    let fail = COUNTDOWN
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| if n == 0 { None } else { Some(n - 1) })
        .map(|n| n == 1)
        .unwrap_or(false);
    if fail {
        INJECTED.fetch_add(1, Ordering::SeqCst);
    }
    fail
}

/// Unit tests only: whether `p` is a live block as far as this thread can
/// tell — live in the table, and its libc block not freed by this thread
/// since this thread last allocated it.
#[cfg(test)]
pub(crate) fn is_live(p: *const core::ffi::c_void) -> bool {
    crate::heap::block::is_live(p)
        && !crate::heap::sys_log_freed_here((p as usize).wrapping_sub(crate::heap::block::HEADER_SIZE))
}

pub mod soh;
