//! What the call stacks recorded while `NAPUTIL_BACKTRACE` is on add to
//! reports: the stacks of a misuse incident (for the misuse record and its
//! report), the allocation stack under each leak line, and the JSON leak
//! file (`NAPUTIL_LEAK_REPORT=json:PATH`). Addresses become names here, at
//! report time, never when they are captured.

use crate::heap::block;
use crate::heap::stacks::{self, Stack};
use crate::support::line::LineBuffer;
use crate::support::unwind;
use crate::types::diag::{NaputilStack, NAPUTIL_MISUSE_DOUBLE_FREE, NAPUTIL_MISUSE_INTERIOR};
use core::fmt::{self, Write};

/// A stack as C sees it.
pub(crate) fn c_stack(stack: Option<Stack>) -> NaputilStack {
    match stack {
        Some(stack) => NaputilStack { frames: stack.frames().as_ptr().cast(), count: stack.frames().len() },
        None => NaputilStack::NONE,
    }
}

/// The stacks known of one misuse incident.
pub(crate) struct MisuseStacks {
    kind: u32,
    block: usize,
    /// Where the call came from.
    pub(crate) call: Option<Stack>,
    /// Where the block concerned was allocated.
    pub(crate) allocated: Option<Stack>,
    /// For a double free, where the block was freed before.
    pub(crate) freed: Option<Stack>,
    /// For a double free, the size of the block freed before.
    freed_size: usize,
}

impl MisuseStacks {
    /// The stacks of the incident of `kind` in which the API call in
    /// progress was given `pointer` (inside the live block `block`, for an
    /// interior pointer).
    pub(crate) fn of(kind: u32, pointer: usize, block: usize) -> Self {
        let mut found =
            MisuseStacks { kind, block, call: stacks::current(), allocated: None, freed: None, freed_size: 0 };
        match kind {
            NAPUTIL_MISUSE_DOUBLE_FREE => {
                if let Some(before) = stacks::freed_before(pointer) {
                    found.allocated = before.allocated;
                    found.freed = before.freed;
                    found.freed_size = before.size;
                }
            }
            NAPUTIL_MISUSE_INTERIOR => found.allocated = block::recorded_stack(block as *const _),
            _ => {}
        }
        found
    }

    /// Prints the stacks under the incident's report line; nothing when no
    /// stack was captured for the call (stacks off).
    pub(crate) fn print(&self) {
        let Some(call) = self.call else { return };
        match self.kind {
            NAPUTIL_MISUSE_DOUBLE_FREE => {
                unwind::print_stack(format_args!("  freed again here:"), call.frames());
                match self.freed {
                    Some(freed) => unwind::print_stack(
                        format_args!("  freed before here (a block of {} bytes):", self.freed_size),
                        freed.frames(),
                    ),
                    None => LineBuffer::print(format_args!(
                        "  freed before: not known (only the latest {} frees are remembered, set by \
                         NAPUTIL_BACKTRACE_FREED, and only of blocks allocated and freed while \
                         NAPUTIL_BACKTRACE was on)\n",
                        stacks::history()
                    )),
                }
                if let Some(allocated) = self.allocated {
                    unwind::print_stack(format_args!("  allocated here:"), allocated.frames());
                }
            }
            NAPUTIL_MISUSE_INTERIOR => {
                unwind::print_stack(format_args!("  called here:"), call.frames());
                if let Some(allocated) = self.allocated {
                    unwind::print_stack(format_args!("  block {:#x} allocated here:", self.block), allocated.frames());
                }
            }
            _ => unwind::print_stack(format_args!("  called here:"), call.frames()),
        }
    }
}

/// Prints where the live block `actual` was allocated, if that was
/// recorded, under its leak line.
pub(crate) fn print_allocation(actual: usize) {
    if let Some(stack) = block::recorded_stack(actual as *const _) {
        unwind::print_stack(format_args!("  allocated here:"), stack.frames());
    }
}

// ---------------------------------------------------------------------------
// The JSON leak file
// ---------------------------------------------------------------------------

/// One leaked block, as the JSON file lists it.
pub(crate) struct JsonLeak {
    pub(crate) pointer: usize,
    pub(crate) size: usize,
    pub(crate) epoch: u32,
    pub(crate) actual: usize,
}

/// Writes the JSON leak report to `out`:
///
/// ```json
/// {"leaks":[{"address":"0x…","size":16,"epoch":0,"frames":[
///   {"address":"0x…","function":"CoTaskMemAlloc"},
///   {"address":"0x…","function":"make_widget","file":"/src/widget.c","line":31}]}],
///  "blocks":1,"bytes":16}
/// ```
///
/// `frames` is empty for a block allocated while stacks were off. A frame
/// whose code was inlined into its caller lists the outer functions in
/// `inlined_into`; a frame without debug information has no `file` and
/// `line`, one without a symbol no `function` but `module` and `offset`.
pub(crate) fn write_json(out: &mut impl Write, leaks: impl Iterator<Item = JsonLeak>) -> fmt::Result {
    let (mut blocks, mut bytes) = (0u64, 0u64);
    out.write_str("{\"leaks\":[")?;
    for leak in leaks {
        if blocks > 0 {
            out.write_char(',')?;
        }
        blocks += 1;
        bytes += leak.size as u64;
        write!(
            out,
            "\n{{\"address\":\"{:#x}\",\"size\":{},\"epoch\":{},\"frames\":[",
            leak.pointer, leak.size, leak.epoch
        )?;
        let frames = block::recorded_stack(leak.actual as *const _).map_or(&[][..], Stack::frames);
        for (i, &address) in frames.iter().enumerate() {
            if i > 0 {
                out.write_char(',')?;
            }
            write_json_frame(out, address)?;
        }
        out.write_str("]}")?;
    }
    writeln!(out, "],\n\"blocks\":{blocks},\"bytes\":{bytes}}}")
}

fn write_json_frame(out: &mut impl Write, address: usize) -> fmt::Result {
    write!(out, "{{\"address\":\"{address:#x}\"")?;
    let mut result = Ok(());
    let mut written = 0;
    let named = unwind::symbolize(address, |symbol| {
        if result.is_err() {
            return;
        }
        result = (|| {
            match written {
                0 => {}
                1 => out.write_str(",\"inlined_into\":[{")?,
                _ => out.write_str(",{")?,
            }
            let mut separator = if written == 0 { "," } else { "" };
            if let Some(function) = symbol.function() {
                write!(out, "{separator}\"function\":")?;
                write_json_string(out, function)?;
                separator = ",";
            }
            if let Some(file) = symbol.file() {
                write!(out, "{separator}\"file\":")?;
                write_json_string(out, file)?;
                if let Some(line) = symbol.line() {
                    write!(out, ",\"line\":{line}")?;
                }
            }
            if written > 0 {
                out.write_char('}')?;
            }
            Ok(())
        })();
        written += 1;
    });
    result?;
    if named > 1 {
        out.write_char(']')?;
    }
    if named == 0 {
        unwind::module_of(address, |name, offset| {
            result = (|| {
                out.write_str(",\"module\":")?;
                write_json_string(out, String::from_utf8_lossy(name))?;
                write!(out, ",\"offset\":{offset}")
            })();
        });
        result?;
    }
    out.write_char('}')
}

/// Writes `text` as a JSON string, quoted and escaped.
fn write_json_string(out: &mut impl Write, text: impl fmt::Display) -> fmt::Result {
    struct Escaping<'a, W: Write>(&'a mut W);
    impl<W: Write> Write for Escaping<'_, W> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                match c {
                    '"' => self.0.write_str("\\\"")?,
                    '\\' => self.0.write_str("\\\\")?,
                    c if (c as u32) < 0x20 => write!(self.0, "\\u{:04x}", c as u32)?,
                    c => self.0.write_char(c)?,
                }
            }
            Ok(())
        }
    }
    out.write_char('"')?;
    write!(Escaping(out), "{text}")?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        write_json_string(&mut s, "a\"b\\c\nd\u{1}é").unwrap();
        assert_eq!(s, "\"a\\\"b\\\\c\\u000ad\\u0001é\"");
    }

    #[test]
    fn a_report_without_stacks_lists_each_block() {
        let mut s = String::new();
        let leaks = [
            JsonLeak { pointer: 0x10, size: 7, epoch: 2, actual: 0x10 },
            JsonLeak { pointer: 0x20, size: 9, epoch: 3, actual: 0x20 },
        ];
        write_json(&mut s, leaks.into_iter()).unwrap();
        assert_eq!(
            s,
            "{\"leaks\":[\n{\"address\":\"0x10\",\"size\":7,\"epoch\":2,\"frames\":[]},\n\
             {\"address\":\"0x20\",\"size\":9,\"epoch\":3,\"frames\":[]}],\n\"blocks\":2,\"bytes\":16}\n"
        );
    }
}
