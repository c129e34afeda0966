//! naputil: Windows' Network Access Protection utility API (`NapUtil.h`) and
//! the COM task-memory allocator, for C and C++ programs on Linux and macOS.
//!
//! Where to find things:
//!
//! | module | contents |
//! |---|---|
//! | [`nap`] | the fourteen `Alloc*`/`Free*` functions of `NapUtil.h`: `AllocConnections`, `FreeSoH`, ... |
//! | [`notifier`] | `InitializeNapAgentNotifier`, `UninitializeNapAgentNotifier` and the announcement function |
//! | [`alloc`] | `CoTaskMemAlloc`, `CoTaskMemRealloc`, `CoTaskMemFree` |
//! | [`imalloc`] | the task `IMalloc` object and `CoGetMalloc` |
//! | [`spy`] | `IMallocSpy` support: `CoRegisterMallocSpy`, `CoRevokeMallocSpy` |
//! | [`table`] | the tracking table that knows every live block |
//! | [`diag`] | counters, misuse reports, leak reports and checkpoints |
//! | [`nap_types`] | NAP structs, unions, enums and constants |
//! | [`com`] | COM interface layouts (`IUnknown`, `IMalloc`, `IMallocSpy`) |
//! | [`win`] | Windows base types, `GUID` and HRESULT codes |
//! | `ffi` | the panic guard shared by every exported function |
//! | `sync` | the fork-safe spin lock used off the fast path |

pub mod alloc;
pub mod com;
pub mod diag;
mod ffi;
pub mod imalloc;
pub mod nap;
pub mod nap_types;
pub mod notifier;
pub mod spy;
mod sync;
pub mod table;
pub mod win;
