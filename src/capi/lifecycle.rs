//! The two functions the C runtime calls: the load-time constructor that
//! reads the settings, and the at-exit leak report (see `crate::report` for
//! why each runs when it does).

use super::contain;
use crate::report;

extern "C" fn load() {
    contain(|| {
        let report_at_exit = report::load_settings();
        #[cfg(not(target_os = "linux"))]
        if report_at_exit {
            // SAFETY: registers a plain extern "C" function with no captures.
            unsafe { libc::atexit(at_exit) };
        }
        #[cfg(target_os = "linux")]
        let _ = report_at_exit;
    })
}

extern "C" fn at_exit() {
    contain(report::report_at_exit)
}

#[used]
#[cfg_attr(any(target_os = "linux", target_os = "android", target_os = "freebsd"), link_section = ".init_array")]
#[cfg_attr(target_vendor = "apple", link_section = "__DATA,__mod_init_func")]
#[cfg_attr(windows, link_section = ".CRT$XCU")]
static LOAD: extern "C" fn() = load;

/// On Linux the C library runs `.fini_array` entries after every `atexit`
/// handler, the program's static destructors included.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".fini_array"]
static AT_EXIT: extern "C" fn() = at_exit;
