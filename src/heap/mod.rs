//! The heap layer: the tracking table (which addresses are live blocks),
//! the counters, the blocks themselves (header + libc), and the call stacks
//! recorded for blocks while `NAPUTIL_BACKTRACE` is on. It answers with
//! outcomes and never reports; only this layer calls libc's allocator.

pub(crate) mod block;
pub(crate) mod counters;
pub(crate) mod stacks;
#[cfg_attr(any(test, feature = "fault-injection"), path = "sys_seam.rs")]
mod sys;
pub(crate) mod table;

#[cfg(any(test, feature = "fault-injection"))]
pub(crate) use sys::fault;
#[cfg(test)]
pub(crate) use sys::log::freed_here as sys_log_freed_here;
