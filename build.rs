//! Generates the C header `napUtil.h` from the crate's sources with cbindgen.
//!
//! The header is always written to `$OUT_DIR/napUtil.h`; `tests/header.rs`
//! compares it with the committed `include/napUtil.h`. With
//! `NAPUTIL_UPDATE_HEADER=1` the committed copy is rewritten too (this is
//! what `make header` does). A stale committed header never fails the build;
//! a cbindgen error, or a COM interface this file cannot turn into C++, does.
//!
//! What cbindgen cannot do by itself is done here:
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
//! - Constants that Windows' own headers define (`S_OK`, `E_INVALIDARG`, the
//!   `NAP_E_*` codes, ...) get `#ifndef` guards, so a Windows compatibility
//!   layer may define them first.
//! - COM interfaces. Each is declared once in Rust, as the C vtable struct
//!   `XVtbl` (in Windows' method order) and the struct `X` that points to it,
//!   both in `src/types/`. From each vtable cbindgen emitted, this file
//!   derives what else Windows' headers give an interface: the C++ class
//!   (`struct X : public Base` with pure virtual `STDMETHODCALLTYPE` methods),
//!   the C call macros (`X_Method(This, ...)`, under `COBJMACROS`), the
//!   `__CRT_UUID_DECL` that makes `__uuidof(X)` work, and a forward
//!   declaration. The base interface is named by the vtable's documentation
//!   ("Base interface: `B`." or "none"), and its slots must be the first
//!   slots of `XVtbl`; the IID is the exported static `IID_X`, whose
//!   `GUID::parse("...")` string is read from the source. Adding an interface
//!   is therefore adding its two Rust structs and its IID.
//!
//! It also names the shared library's ABI version at link time (see
//! `link_version`).

use std::collections::{BTreeMap, HashMap};
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

    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).map_err(|err| format!("cbindgen.toml: {err}"))?;

    let src_copy = out_dir.join("header-src");
    if src_copy.exists() {
        fs::remove_dir_all(&src_copy).map_err(|err| format!("{}: {err}", src_copy.display()))?;
    }
    copy_sources(&crate_dir.join("src"), &src_copy).map_err(|err| format!("copying src/: {err}"))?;
    let sources = read_sources(&src_copy).map_err(|err| format!("reading src/: {err}"))?;
    for name in vtable_structs(&sources) {
        config.export.include.push(format!("{name}Vtbl"));
        config.export.include.push(name);
    }
    let guids = guid_table(&sources)?;

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
    let header = with_guarded_windows_constants(&header);
    let header = with_interfaces(&header, &guids)?;

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

/// The `.rs` files under `dir`, as (path, contents), sorted by path.
fn read_sources(dir: &Path) -> io::Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = fs::read_to_string(&path)?;
                files.push((path, text));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The COM interfaces declared in `src/types/`: every `X` for which a
/// `pub struct XVtbl` exists.
fn vtable_structs(sources: &[(PathBuf, String)]) -> Vec<String> {
    let mut names = Vec::new();
    for (path, text) in sources {
        if !path.parent().is_some_and(|dir| dir.ends_with("types")) {
            continue;
        }
        for line in text.lines() {
            let name = line.trim().strip_prefix("pub struct ").and_then(|rest| rest.strip_suffix(" {"));
            if let Some(name) = name.and_then(|name| name.strip_suffix("Vtbl")) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The value of every GUID constant and static written
/// `NAME: TYPE = GUID::parse("...")`, or `NAME: TYPE = OTHER` for another
/// such name, by name: `IID_IUnknown` -> `00000000-0000-0000-C000-000000000046`.
fn guid_table(sources: &[(PathBuf, String)]) -> Result<HashMap<String, String>, String> {
    let mut values = HashMap::new();
    let mut aliases = Vec::new();
    for (_, text) in sources {
        for line in text.lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("pub const ").or_else(|| line.strip_prefix("pub static ")) else {
                continue;
            };
            let Some((name, rest)) = rest.split_once(':') else { continue };
            let Some((ty, value)) = rest.split_once('=') else { continue };
            if !matches!(ty.trim(), "GUID" | "IID" | "CLSID") {
                continue;
            }
            let value = value.trim().trim_end_matches(';');
            if let Some(literal) = value.strip_prefix("GUID::parse(\"").and_then(|v| v.strip_suffix("\")")) {
                values.insert(name.trim().to_string(), literal.to_string());
            } else {
                aliases.push((name.trim().to_string(), value.to_string()));
            }
        }
    }
    for (name, target) in aliases {
        if let Some(value) = values.get(&target).cloned() {
            values.insert(name, value);
        }
    }
    Ok(values)
}

/// Puts `#ifndef NAME` on every constant the header defines only outside
/// Windows (`#if !defined(_WIN32)`): Windows' headers define those, and so
/// may a compatibility layer included first.
fn with_guarded_windows_constants(header: &str) -> String {
    let lines: Vec<&str> = header.split_inclusive('\n').collect();
    let mut out = String::with_capacity(header.len() + 8192);
    for (at, line) in lines.iter().enumerate() {
        if *line == "#if !defined(_WIN32)\n" {
            let define = lines[at + 1..]
                .iter()
                .find(|next| !(next.starts_with("/**") || next.starts_with(" *")))
                .and_then(|next| next.strip_prefix("#define "));
            if let Some(define) = define {
                let name = define.split([' ', '(', '\n']).next().unwrap_or(define);
                out.push_str(&format!("#if !defined(_WIN32) && !defined({name})\n"));
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// One slot of a C vtable as cbindgen wrote it.
#[derive(Clone, Debug, PartialEq)]
struct Slot {
    name: String,
    ret: String,
    /// The parameters after `This`, as (C type, name).
    params: Vec<(String, String)>,
}

/// One COM interface: its vtable, documentation and guard.
#[derive(Debug)]
struct Interface {
    name: String,
    base: Option<String>,
    slots: Vec<Slot>,
    /// The documentation comment cbindgen wrote above `typedef struct X`.
    doc: String,
    /// The condition under which the header defines the interface at all
    /// (e.g. not where `<windows.h>` already did), or none for always.
    guard: Option<String>,
}

/// Replaces the two placeholders of `cbindgen.toml` with the forward
/// declarations and the definitions (C++ class, C macros, `__uuidof`
/// support) of every interface whose C vtable the header holds.
fn with_interfaces(header: &str, guids: &HashMap<String, String>) -> Result<String, String> {
    let interfaces = parse_interfaces(header)?;
    let mut forward = String::new();
    for interface in &interfaces {
        forward.push_str(&format!("struct {};\n", interface.name));
    }
    let by_name: BTreeMap<&str, &Interface> = interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    let mut done = Vec::<&str>::new();
    let mut definitions = String::new();
    for interface in &interfaces {
        emit_with_bases(interface, &by_name, guids, &mut done, &mut definitions)?;
    }
    let definitions = definitions.trim_end().to_string();
    for placeholder in ["NAPUTIL_INTERFACE_FORWARD_DECLARATIONS", "NAPUTIL_INTERFACE_DEFINITIONS"] {
        if header.matches(placeholder).count() != 1 {
            return Err(format!("cbindgen.toml must contain the placeholder {placeholder} exactly once"));
        }
    }
    Ok(header
        .replace("NAPUTIL_INTERFACE_FORWARD_DECLARATIONS\n", &forward)
        .replace("NAPUTIL_INTERFACE_DEFINITIONS", &definitions))
}

/// Emits `interface` after its base interfaces, each once.
fn emit_with_bases<'a>(
    interface: &'a Interface,
    by_name: &BTreeMap<&str, &'a Interface>,
    guids: &HashMap<String, String>,
    done: &mut Vec<&'a str>,
    out: &mut String,
) -> Result<(), String> {
    if done.contains(&interface.name.as_str()) {
        return Ok(());
    }
    let base = match &interface.base {
        None => None,
        Some(base) => {
            let found = by_name
                .get(base.as_str())
                .ok_or_else(|| format!("{}: base interface {base} has no vtable in the header", interface.name))?;
            emit_with_bases(found, by_name, guids, done, out)?;
            Some(*found)
        }
    };
    let inherited = base.map_or(0, |base| base.slots.len());
    if let Some(base) = base {
        if interface.slots.len() < inherited || interface.slots[..inherited] != base.slots[..] {
            return Err(format!(
                "{}Vtbl does not start with the slots of {}Vtbl, so it cannot derive from it",
                interface.name, base.name
            ));
        }
    }
    let iid_name = format!("IID_{}", interface.name);
    let iid = guids
        .get(&iid_name)
        .ok_or_else(|| format!("{}: no `pub static {iid_name}: IID = GUID::parse(\"...\")` in src/", interface.name))?;
    out.push_str(&interface_definition(interface, base, inherited, iid)?);
    out.push('\n');
    done.push(&interface.name);
    Ok(())
}

/// The C++ class, `__CRT_UUID_DECL`, C macros and `__X_INTERFACE_DEFINED__`
/// of one interface.
fn interface_definition(
    interface: &Interface,
    base: Option<&Interface>,
    inherited: usize,
    iid: &str,
) -> Result<String, String> {
    let name = &interface.name;
    let mut out = String::new();
    if let Some(guard) = &interface.guard {
        out.push_str(&format!("#if {guard}\n"));
    }
    out.push_str("#if defined(NAPUTIL_CXX_INTERFACES)\n");
    out.push_str(&interface.doc);
    let head = match base {
        Some(base) => format!("struct NAPUTIL_UUID(\"{iid}\") {name} : public {} {{\n", base.name),
        None => format!("struct NAPUTIL_UUID(\"{iid}\") {name} {{\n"),
    };
    out.push_str(&head);
    for slot in &interface.slots[inherited..] {
        out.push_str(&virtual_method(slot));
    }
    out.push_str("};\n");
    out.push_str("#ifdef __CRT_UUID_DECL\n");
    out.push_str(&format!("__CRT_UUID_DECL({name}, {})\n", crt_uuid_args(iid)?));
    out.push_str("#endif\n");
    out.push_str("#elif defined(COBJMACROS)\n");
    for slot in &interface.slots {
        let args: Vec<&str> = std::iter::once("This").chain(slot.params.iter().map(|(_, n)| n.as_str())).collect();
        let args = args.join(", ");
        out.push_str(&format!("#define {name}_{}({args}) (This)->lpVtbl->{}({args})\n", slot.name, slot.name));
    }
    out.push_str("#endif\n");
    out.push_str(&format!("#define __{name}_INTERFACE_DEFINED__\n"));
    if interface.guard.is_some() {
        out.push_str("#endif\n");
    }
    Ok(out)
}

/// `virtual R STDMETHODCALLTYPE M(params) = 0;`, wrapped at 100 columns.
fn virtual_method(slot: &Slot) -> String {
    let ret = cxx_type(&slot.ret);
    let gap = if ret.ends_with('*') { "" } else { " " };
    let head = format!("    virtual {ret}{gap}STDMETHODCALLTYPE {}(", slot.name);
    let params: Vec<String> = slot.params.iter().map(|(ty, name)| cxx_param(ty, name)).collect();
    if params.is_empty() {
        return format!("{head}void) = 0;\n");
    }
    let one_line = format!("{head}{}) = 0;\n", params.join(", "));
    if one_line.len() <= 101 {
        return one_line;
    }
    let indent = " ".repeat(head.len());
    let mut out = head.clone();
    let mut column = head.len();
    for (i, param) in params.iter().enumerate() {
        let piece = if i + 1 == params.len() { format!("{param}) = 0;") } else { format!("{param},") };
        if i > 0 {
            if column + 1 + piece.len() > 100 {
                out.push('\n');
                out.push_str(&indent);
                column = indent.len();
            } else {
                out.push(' ');
                column += 1;
            }
        }
        out.push_str(&piece);
        column += piece.len();
    }
    out.push('\n');
    out
}

/// A C type as C++ spells it: without the `struct`/`union` keywords, which
/// C++ does not need before a tag that is also a type name.
fn cxx_type(c: &str) -> String {
    c.split(' ').filter(|word| *word != "struct" && *word != "union").collect::<Vec<_>>().join(" ")
}

/// A parameter declaration, `T *name` or `T name`.
fn cxx_param(ty: &str, name: &str) -> String {
    let ty = cxx_type(ty);
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

/// The eleven numbers `__CRT_UUID_DECL` takes after the type, from a GUID
/// string.
fn crt_uuid_args(iid: &str) -> Result<String, String> {
    let hex: String = iid.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) || iid.len() != 36 {
        return Err(format!("malformed GUID string {iid:?}"));
    }
    let mut parts = vec![format!("0x{}", &hex[0..8]), format!("0x{}", &hex[8..12]), format!("0x{}", &hex[12..16])];
    for i in 0..8 {
        parts.push(format!("0x{}", &hex[16 + 2 * i..18 + 2 * i]));
    }
    Ok(parts.join(", "))
}

/// Every `typedef struct XVtbl { ... } XVtbl;` of the header, with the
/// documentation of `X` and the guard both carry.
fn parse_interfaces(header: &str) -> Result<Vec<Interface>, String> {
    let lines: Vec<&str> = header.lines().collect();
    let mut interfaces = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(name) = line.strip_prefix("typedef struct ").and_then(|rest| rest.strip_suffix("Vtbl {")) else {
            continue;
        };
        let (vtable_doc, vtable_cond) = doc_and_condition(&lines, at)?;
        let end = lines[at..]
            .iter()
            .position(|l| *l == format!("}} {name}Vtbl;"))
            .ok_or_else(|| format!("{name}Vtbl: end of struct not found"))?;
        // The slots, without their documentation (which stays with the C
        // vtable the C++ class is derived from).
        let body = lines[at + 1..at + end]
            .iter()
            .filter(|l| !(l.trim_start().starts_with("/*") || l.trim_start().starts_with('*')))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let mut slots = Vec::new();
        for text in body.split(';').map(str::trim).filter(|t| !t.is_empty()) {
            slots.push(parse_slot(name, text)?);
        }
        let base = if vtable_doc.contains("Base interface: none.") {
            None
        } else {
            let after = vtable_doc
                .split("Base interface: `")
                .nth(1)
                .ok_or_else(|| format!("{name}Vtbl: its documentation names no base interface"))?;
            Some(after.split('`').next().unwrap_or_default().to_string())
        };
        let struct_at = lines
            .iter()
            .position(|l| *l == format!("typedef struct {name} {{"))
            .ok_or_else(|| format!("{name}: `typedef struct {name}` not found"))?;
        let (doc, struct_cond) = doc_and_condition(&lines, struct_at)?;
        if struct_cond != vtable_cond {
            return Err(format!("{name} and {name}Vtbl must have the same #[cfg]"));
        }
        let guard = guard_outside_cxx(name, &vtable_cond)?;
        interfaces.push(Interface { name: name.to_string(), base, slots, doc, guard });
    }
    Ok(interfaces)
}

/// The documentation comment above line `at` and the `#if` condition above
/// that.
fn doc_and_condition(lines: &[&str], at: usize) -> Result<(String, String), String> {
    let mut start = at;
    while start > 0 && (lines[start - 1].starts_with("/**") || lines[start - 1].starts_with(" *")) {
        start -= 1;
    }
    let doc: String = lines[start..at].iter().map(|l| format!("{l}\n")).collect();
    let condition = start.checked_sub(1).and_then(|i| lines[i].strip_prefix("#if ")).ok_or_else(|| {
        format!("line {}: a COM interface must be #[cfg(not(naputil_header_cxx_interfaces))]", at + 1)
    })?;
    Ok((doc, condition.to_string()))
}

/// The guard of an interface: its C condition without the
/// `NAPUTIL_CXX_INTERFACES` part (which says C rather than C++).
fn guard_outside_cxx(name: &str, condition: &str) -> Result<Option<String>, String> {
    const CXX: &str = "defined(NAPUTIL_CXX_INTERFACES)";
    if condition == format!("!{CXX}") {
        return Ok(None);
    }
    if let Some(rest) = condition.strip_prefix(&format!("!({CXX} || ")).and_then(|r| r.strip_suffix(')')) {
        return Ok(Some(if rest.contains("||") { format!("!({rest})") } else { format!("!{rest}") }));
    }
    Err(format!("{name}: unexpected condition `#if {condition}` (want not(naputil_header_cxx_interfaces), or not(any(naputil_header_cxx_interfaces, ...)))"))
}

/// `R (STDMETHODCALLTYPE *Name)(struct X *This, T1 a, T2 b)`.
fn parse_slot(interface: &str, text: &str) -> Result<Slot, String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let bad = || format!("{interface}Vtbl: cannot read the slot `{text}`");
    let (ret, rest) = text.split_once("(STDMETHODCALLTYPE *").ok_or_else(bad)?;
    let (name, rest) = rest.split_once(")(").ok_or_else(bad)?;
    let params = rest.strip_suffix(')').ok_or_else(bad)?;
    let mut parsed = Vec::new();
    for (i, param) in params.split(',').map(str::trim).enumerate() {
        let split = param.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).ok_or_else(bad)?;
        let (ty, pname) = (param[..=split].trim_end(), &param[split + 1..]);
        if i == 0 {
            if pname != "This" || ty != format!("struct {interface} *") {
                return Err(format!("{interface}Vtbl.{name}: the first parameter must be `This: *mut {interface}`"));
            }
            continue;
        }
        if pname.is_empty() {
            return Err(format!("{interface}Vtbl.{name}: every parameter needs a name"));
        }
        parsed.push((ty.to_string(), pname.to_string()));
    }
    Ok(Slot { name: name.to_string(), ret: ret.trim().to_string(), params: parsed })
}
