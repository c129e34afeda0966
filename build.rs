//! Generates the C header `napUtil.h` from the crate's sources with cbindgen.
//!
//! The header is always written to `$OUT_DIR/napUtil.h`; `tests/header.rs`
//! compares it with the committed `include/napUtil.h`. With
//! `NAPUTIL_UPDATE_HEADER=1` the committed copy is rewritten too (this is
//! what `make header` does). A stale committed header never fails the build;
//! a cbindgen error does.
//!
//! Three things cbindgen cannot do by itself are done here:
//!
//! - cbindgen skips every function that is not `extern "C"`, and the API is
//!   `extern "system"` (`WINAPI`). cbindgen therefore reads a copy of `src/`
//!   in `$OUT_DIR` in which `extern "system" fn` reads `extern "C" fn`; the
//!   two are the same ABI everywhere except 32-bit Windows, and the header
//!   spells the difference with `WINAPI` (see `src/types/nap.rs`).
//! - The header must compile as C89, but cbindgen closes its `extern "C"`
//!   block with `//` comments and ends every enumerator list with a comma.
//!   The comments are rewritten as `/* */` and the trailing commas dropped.
//! - COM methods are `__stdcall` on 32-bit Windows, but cbindgen cannot put a
//!   calling convention on a function-pointer field. Every vtable slot (a
//!   function pointer whose first parameter is `This`) gets
//!   `STDMETHODCALLTYPE`, which expands to nothing elsewhere.
//!
//! It also names the shared library's ABI version at link time (see
//! `link_version`).

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NAPUTIL_UPDATE_HEADER");
    link_version();

    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: generating napUtil.h: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Records the ABI version in the shared library (docs/INSTALL.md): the
/// ELF SONAME `libnaputil.so.ABI`, or on Apple targets the install name
/// `@rpath/libnaputil.ABI.dylib` with the current and compatibility
/// versions. ABI is the crate's major version, or `0.MINOR` before 1.0,
/// where Cargo counts every minor release as a breaking one. Nothing is
/// added for Windows, whose DLL is always `naputil.dll`.
fn link_version() {
    let part = |name: &str| env::var(name).unwrap_or_default();
    let (major, minor, patch) =
        (part("CARGO_PKG_VERSION_MAJOR"), part("CARGO_PKG_VERSION_MINOR"), part("CARGO_PKG_VERSION_PATCH"));
    let (abi, compatibility) = if major == "0" {
        (format!("0.{minor}"), format!("0.{minor}.0"))
    } else {
        (major.clone(), format!("{major}.0.0"))
    };
    let family = part("CARGO_CFG_TARGET_FAMILY");
    if part("CARGO_CFG_TARGET_VENDOR") == "apple" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libnaputil.{abi}.dylib");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-current_version,{major}.{minor}.{patch}");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-compatibility_version,{compatibility}");
    } else if family.split(',').any(|f| f == "unix") && part("CARGO_CFG_TARGET_OS") != "aix" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnaputil.so.{abi}");
    }
}

fn generate() -> Result<(), String> {
    let crate_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);

    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).map_err(|err| format!("cbindgen.toml: {err}"))?;

    let src_copy = out_dir.join("header-src");
    if src_copy.exists() {
        fs::remove_dir_all(&src_copy).map_err(|err| format!("{}: {err}", src_copy.display()))?;
    }
    copy_sources(&crate_dir.join("src"), &src_copy).map_err(|err| format!("copying src/: {err}"))?;

    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(src_copy.join("lib.rs"))
        .generate()
        .map_err(|err| format!("cbindgen: {err}"))?;
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let text = String::from_utf8(raw).map_err(|err| format!("cbindgen wrote invalid UTF-8: {err}"))?;
    let header = text
        .replace("// __cplusplus", "/* __cplusplus */")
        .replace("// extern \"C\"", "/* extern \"C\" */")
        .replace(",\n}", "\n}");
    let header = with_stdcall_vtables(&header);

    write_if_changed(&out_dir.join("napUtil.h"), &header)?;
    if env::var_os("NAPUTIL_UPDATE_HEADER").is_some_and(|v| v == "1") {
        write_if_changed(&crate_dir.join("include").join("napUtil.h"), &header)?;
    }
    Ok(())
}

/// Marks every COM vtable slot `STDMETHODCALLTYPE`: the function-pointer
/// fields whose first parameter is the interface pointer `This`.
fn with_stdcall_vtables(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 4096);
    for line in header.split_inclusive('\n') {
        let is_slot = line.find("(*").is_some_and(|at| {
            let rest = &line[at..];
            rest.find(")(struct ")
                .is_some_and(|open| rest[open..].split(',').next().is_some_and(|p| p.contains("*This")))
        });
        if is_slot {
            out.push_str(&line.replacen("(*", "(STDMETHODCALLTYPE *", 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Copies the `.rs` files under `from` to `to`, spelling `extern "system"`
/// functions as `extern "C"` so that cbindgen sees them.
fn copy_sources(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_sources(&path, &target)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let source = fs::read_to_string(&path)?;
            fs::write(&target, source.replace("extern \"system\" fn", "extern \"C\" fn"))?;
        }
    }
    Ok(())
}

/// Writes `contents` to `path` unless it already holds exactly that, so an
/// unchanged header keeps its timestamp.
fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    }
    fs::write(path, contents).map_err(|err| format!("{}: {err}", path.display()))
}
