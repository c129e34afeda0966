//! naputil: Windows' Network Access Protection utility API (`NapUtil.h`) and
//! the COM task-memory allocator, for C and C++ programs on Linux and macOS.
//!
//! The crate is layered; each layer calls only the ones below it (see
//! `docs/ARCHITECTURE.md`):
//!
//! | layer | modules | contents |
//! |---|---|---|
//! | C API | `capi` | every exported function and static: `CoTaskMemAlloc`, `AllocConnections`, `naputil_*`, ... |
//! | features | `nap`, `soh`, `notifier`, `report`, `stack_report`, `misuse`, `spy` | NAP structure walking; the SoH wire format; notifier subscriptions; stats, leaks and settings; call stacks in reports; misuse classification and reports; `IMallocSpy` routing |
//! | heap | `heap` | the tracking table, the counters, the blocks (header + libc), the call stacks recorded for blocks |
//! | types | [`types`] | Windows base types, COM and NAP layouts, constants |
//! | support | `support` | the fork-safe spin lock, report lines, the environment, stack capture and symbolisation |
//!
//! For Rust callers (tests, benchmarks, other crates) the C API is
//! re-exported here, with the C types in [`types`].

mod capi;
mod com;
mod heap;
mod misuse;
mod nap;
mod notifier;
mod report;
mod soh;
mod spy;
mod stack_report;
mod support;
#[cfg(any(test, feature = "fault-injection"))]
pub mod testing;
pub mod types;

pub use capi::alloc::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};
pub use capi::com::*;
pub use capi::diag::*;
pub use capi::iids::*;
pub use capi::imalloc::CoGetMalloc;
pub use capi::nap::*;
pub use capi::notifier::*;
pub use capi::soh::*;
pub use capi::spy::{CoRegisterMallocSpy, CoRevokeMallocSpy};

/// Facts about the tracking table, for the benchmark's overhead figures.
pub mod tracking {
    pub use crate::heap::table::{BITS_PER_GRANULE, GRANULE};
}
