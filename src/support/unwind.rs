//! Call stacks: the return addresses of the calling thread's frames, and the
//! functions, files and lines they belong to.
//!
//! # Capture
//!
//! The stack is walked with the platform's table-driven unwinder — the
//! unwind tables (`.eh_frame`) that compilers emit for every function on
//! x86_64 and aarch64, read by libgcc's `_Unwind_Backtrace` on Linux, the
//! system libunwind on macOS, `RtlVirtualUnwind` on Windows — so a walk goes
//! through code built without frame pointers (C at `-O1` and above, Rust,
//! most system libraries). docs/PERFORMANCE.md has the measurement behind
//! that choice. A capture writes into the caller's buffer and allocates
//! nothing. The libgcc of GCC 12 and later, on glibc 2.35 and later, finds
//! each frame's table with `_dl_find_object`, which takes no lock, so a
//! capture cannot deadlock in a child forked while another thread was
//! capturing.
//!
//! # Symbolisation
//!
//! Addresses become names only when a report is made: the debug information
//! of the loaded objects (DWARF, read by the `backtrace` crate's gimli
//! backend) gives function, file and line, and the symbol table a function
//! name where there is no debug information. That allocates through Rust's
//! global allocator — libc `malloc`, never the task allocator — and keeps
//! what it parsed for the next report. One symbolisation runs at a time,
//! under a lock that joins the fork registry, so a child forked during one
//! never inherits the lock taken. A panic inside it is caught: the frame is
//! then described by its address and module alone, and no error stops a
//! report.

use crate::support::line::LineBuffer;
use crate::support::lock::SpinLock;
use core::ffi::c_void;
use core::fmt::{self, Write};
use core::panic::AssertUnwindSafe;

/// Most frames one stack holds.
pub(crate) const MAX_FRAMES: usize = 64;

/// How many frames, from the capture itself outwards, are searched for the
/// API function the stack is to start at.
const ENTRY_SEARCH_FRAMES: usize = 16;

/// Writes the return addresses of the calling thread's frames into `frames`
/// (at most [`MAX_FRAMES`]), innermost first, and returns how many it wrote.
///
/// The stack starts at the frame of the function whose first instruction is
/// at `entry` — the API function the application called — so the library's
/// own frames inside it are left out and `frames[1]` is the application's
/// call. Should that frame not be found (an entry of 0, or a platform whose
/// unwinder does not tell where functions start), the stack starts at the
/// caller of this function.
#[inline(never)]
pub(crate) fn capture(entry: usize, frames: &mut [usize]) -> usize {
    let wanted = frames.len().min(MAX_FRAMES);
    if wanted == 0 {
        return 0;
    }
    // Frames deeper than this one (the unwinder's own) have their stack
    // pointer at or below this local; they are skipped without a lookup.
    let anchor_byte = 0u8;
    let anchor = core::hint::black_box(&anchor_byte) as *const u8 as usize;
    let mut walked = [0usize; MAX_FRAMES + ENTRY_SEARCH_FRAMES];
    let mut len = 0;
    let mut start = None;
    let mut visit = |frame: &backtrace::Frame| {
        let ip = frame.ip() as usize;
        if ip == 0 {
            return false;
        }
        let sp = frame.sp() as usize;
        if len == 0 && sp != 0 && sp <= anchor {
            return true;
        }
        if start.is_none() && len < ENTRY_SEARCH_FRAMES && entry != 0 && function_start(frame) == entry {
            start = Some(len);
        }
        walked[len] = ip;
        len += 1;
        match start {
            Some(first) => len - first < wanted,
            None => len < walked.len(),
        }
    };
    // SAFETY: the unsynchronised walk is safe to run on several threads at
    // once with the unwinders named in the module documentation (it only
    // reads this thread's stack and the immutable unwind tables); `visit`
    // cannot panic (its indices stay below `walked.len()`, checked above).
    unsafe { backtrace::trace_unsynchronized(&mut visit) };
    // Without the entry frame, skip this function's own frame.
    let first = start.unwrap_or(len.min(1));
    let count = (len - first).min(wanted);
    frames[..count].copy_from_slice(&walked[first..first + count]);
    count
}

/// The address of the first instruction of the function `frame` is in, or 0
/// when the platform's unwinder cannot tell.
fn function_start(frame: &backtrace::Frame) -> usize {
    // On Apple platforms the crate answers with the frame's own address.
    if cfg!(target_vendor = "apple") {
        return exported_symbol_start(frame.ip() as usize);
    }
    frame.symbol_address() as usize
}

#[cfg(target_vendor = "apple")]
fn exported_symbol_start(address: usize) -> usize {
    // SAFETY: dladdr only reads the loader's tables; `info` is a local.
    unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        if libc::dladdr(address as *const c_void, &mut info) == 0 {
            return 0;
        }
        info.dli_saddr as usize
    }
}

#[cfg(not(target_vendor = "apple"))]
fn exported_symbol_start(_address: usize) -> usize {
    0
}

/// One function a frame's address belongs to, as the debug information or
/// the symbol table tells it.
pub(crate) struct FrameSymbol<'a> {
    symbol: &'a backtrace::Symbol,
}

impl FrameSymbol<'_> {
    /// The function's name, demangled (Rust and C++), if known.
    pub(crate) fn function(&self) -> Option<impl fmt::Display + '_> {
        self.symbol.name().map(DemangledName)
    }

    /// The source file, if the object has debug information.
    pub(crate) fn file(&self) -> Option<impl fmt::Display + '_> {
        self.symbol.filename_raw().map(FileName)
    }

    /// The source line, if the object has debug information.
    pub(crate) fn line(&self) -> Option<u32> {
        self.symbol.lineno().filter(|&l| l != 0)
    }
}

struct DemangledName<'a>(backtrace::SymbolName<'a>);

impl fmt::Display for DemangledName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `#` leaves the hash off Rust names.
        write!(f, "{:#}", self.0)
    }
}

struct FileName<'a>(backtrace::BytesOrWideString<'a>);

impl fmt::Display for FileName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            backtrace::BytesOrWideString::Bytes(bytes) => {
                for chunk in bytes.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    if !chunk.invalid().is_empty() {
                        f.write_char(char::REPLACEMENT_CHARACTER)?;
                    }
                }
                Ok(())
            }
            backtrace::BytesOrWideString::Wide(wide) => char::decode_utf16(wide.iter().copied())
                .try_for_each(|c| f.write_char(c.unwrap_or(char::REPLACEMENT_CHARACTER))),
        }
    }
}

/// One symbolisation at a time: the symboliser's cache is a process-wide
/// structure without a lock of its own.
static SYMBOLIZER: SpinLock<()> = SpinLock::new(());

/// Calls `each` for every function the code at return address `address`
/// belongs to — more than one where calls were inlined, innermost first —
/// and returns how many there were (0 when nothing is known of it, or the
/// symboliser failed).
pub(crate) fn symbolize(address: usize, mut each: impl FnMut(&FrameSymbol<'_>)) -> usize {
    if address == 0 {
        return 0;
    }
    let mut found = 0;
    let _one_at_a_time = SYMBOLIZER.lock();
    let resolved = std::panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the lock above keeps other symbolisations out of the
        // crate's unsynchronised cache; the address is only looked up in the
        // loaded objects' tables, never dereferenced.
        unsafe {
            backtrace::resolve_unsynchronized(address as *mut c_void, |symbol| {
                found += 1;
                each(&FrameSymbol { symbol })
            })
        }
    }));
    if resolved.is_err() {
        return 0;
    }
    found
}

/// The loaded object (program or library) `address` lies in, and the
/// address's offset from the object's start, for frames nothing else is
/// known of (an `addr2line -e object offset` away from a line).
pub(crate) fn module_of(address: usize, each: impl FnOnce(&[u8], usize)) {
    #[cfg(unix)]
    // SAFETY: dladdr only reads the loader's tables; `info` is a local, and
    // the name it points to is the loader's, valid while the object is
    // loaded (it is: `address` is in it).
    unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        if libc::dladdr(address as *const c_void, &mut info) != 0 && !info.dli_fname.is_null() {
            let name = core::ffi::CStr::from_ptr(info.dli_fname).to_bytes();
            each(name, address.wrapping_sub(info.dli_fbase as usize));
        }
    }
    #[cfg(not(unix))]
    let _ = (address, each);
}

/// Writes what is known of the frame at `address` on one line, without
/// the address: `function file:line`, each inlined call followed by
/// ` inlined into ` and the function it was inlined into; `object+0xoffset`
/// when no function is known; nothing when not even that is.
pub(crate) fn describe(address: usize, out: &mut impl Write) -> fmt::Result {
    let mut result = Ok(());
    let mut written = 0;
    let named = symbolize(address, |symbol| {
        if result.is_ok() {
            if written > 0 {
                result = out.write_str(" inlined into ");
            }
            result = result.and_then(|()| write_symbol(symbol, out));
            written += 1;
        }
    });
    result?;
    if named == 0 {
        module_of(address, |name, offset| {
            result = write!(out, "{}+{:#x}", FileName(backtrace::BytesOrWideString::Bytes(name)), offset);
        });
    }
    result
}

fn write_symbol(symbol: &FrameSymbol<'_>, out: &mut impl Write) -> fmt::Result {
    match symbol.function() {
        Some(name) => write!(out, "{name}")?,
        None => out.write_str("??")?,
    }
    if let Some(file) = symbol.file() {
        write!(out, " {file}")?;
        if let Some(line) = symbol.line() {
            write!(out, ":{line}")?;
        }
    }
    Ok(())
}

/// Prints `title` and then the frames, one line each (`#i 0xaddress in
/// function file:line`; a frame with inlined calls gets one line per
/// function, innermost first, all with its number and address), on standard
/// error. Nothing is allocated through the task allocator; a frame nothing
/// is known of is printed with its address and module.
pub(crate) fn print_stack(title: fmt::Arguments<'_>, frames: &[usize]) {
    LineBuffer::print(format_args!("{title}\n"));
    for (index, &address) in frames.iter().enumerate() {
        let named = symbolize(address, |symbol| {
            let mut line = LineBuffer::new();
            let _ = write!(line, "    #{index} {address:#x} in ");
            let _ = write_symbol(symbol, &mut line);
            let _ = line.write_str("\n");
            line.write_to_stderr();
        });
        if named == 0 {
            let mut line = LineBuffer::new();
            let _ = write!(line, "    #{index} {address:#x}");
            module_of(address, |name, offset| {
                let _ = write!(line, " in {}+{offset:#x}", FileName(backtrace::BytesOrWideString::Bytes(name)));
            });
            let _ = line.write_str("\n");
            line.write_to_stderr();
        }
    }
}
