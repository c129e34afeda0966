//! A fixed-size line for reports, written straight to standard error.

/// One report line in a stack buffer: reports must not allocate (they can
/// run inside the allocator) and must not take Rust's stderr lock (they can
/// run in a child after `fork`). Text beyond the buffer is cut off.
pub(crate) struct LineBuffer {
    bytes: [u8; 512],
    len: usize,
}

impl LineBuffer {
    pub(crate) fn new() -> Self {
        LineBuffer { bytes: [0; 512], len: 0 }
    }

    /// Formats `args` into a fresh line and writes it to standard error.
    pub(crate) fn print(args: core::fmt::Arguments<'_>) {
        let mut line = LineBuffer::new();
        let _ = core::fmt::write(&mut line, args);
        line.write_to_stderr();
    }

    pub(crate) fn write_to_stderr(&self) {
        let mut done = 0;
        while done < self.len {
            // SAFETY: writes initialized bytes of our own buffer to fd 2.
            let n = unsafe { libc::write(2, self.bytes[done..].as_ptr().cast(), (self.len - done) as _) };
            if n <= 0 {
                break;
            }
            done += n as usize;
        }
    }
}

impl core::fmt::Write for LineBuffer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.bytes.len() - self.len;
        let n = s.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}
