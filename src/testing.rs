//! Test-only seams, compiled into test builds and into builds with the
//! `fault-injection` feature; release builds have none of this.

pub use crate::heap::fault::{fail_nth_allocation, injected_faults};

/// Unit tests only: whether `p` is a live block as far as this thread can
/// tell — live in the table, and its libc block not freed by this thread
/// since this thread last allocated it.
#[cfg(test)]
pub(crate) fn is_live(p: *const core::ffi::c_void) -> bool {
    crate::heap::block::is_live(p)
        && !crate::heap::sys_log_freed_here((p as usize).wrapping_sub(crate::heap::block::HEADER_SIZE))
}

pub mod soh;
