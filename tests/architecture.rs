//! The layering rules of `docs/ARCHITECTURE.md`, checked on the sources:
//!
//! - no dependency cycle between source files (a `crate::`/`super::` path
//!   from file A to file B and back, directly or through others);
//! - dependencies run one way: C API -> features -> heap -> types/support;
//! - every `#[no_mangle]` item is in `src/capi/`, and every exported
//!   function's body runs inside `contain`/`contain_or`/`contain_traced`.
//!
//! Unit-test modules (`#[cfg(test)] mod tests`, at the end of a file or in
//! a `tests.rs` of their own) are left out: tests may call any layer.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Source files by module path (`heap::block`), with test modules cut off.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}::"), out);
            } else if path.extension().is_some_and(|e| e == "rs") && name != "tests" {
                let module = match name.as_str() {
                    "lib" => "crate".to_string(),
                    "mod" => prefix.trim_end_matches("::").to_string(),
                    "sys_seam" => format!("{prefix}sys"),
                    _ => format!("{prefix}{name}"),
                };
                let text = fs::read_to_string(&path).unwrap();
                let text =
                    match text.find("#[cfg(test)]\nmod tests").or(text.find("#[cfg(all(test, unix))]\nmod tests")) {
                        Some(at) => text[..at].to_string(),
                        None => text,
                    };
                out.entry(module).or_default().push_str(&text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut out);
    out
}

/// The names a path's last segment may list: `a` or `{a, b::c, d}`.
fn listed(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('{') {
        let end = inner.find('}').unwrap_or(inner.len());
        inner[..end].split(',').map(|s| s.trim().split("::").next().unwrap_or("").to_string()).collect()
    } else {
        vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()]
    }
}

/// The modules `module`'s text refers to through `crate::` and `super::`.
fn dependencies(module: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let resolve = |segments: Vec<String>| -> Option<String> {
        (1..=segments.len())
            .rev()
            .map(|n| segments[..n].join("::"))
            .find(|candidate| modules.contains(candidate))
            .filter(|found| found != module)
    };
    let mut deps = BTreeSet::new();
    let parent: Vec<String> = {
        let mut parts: Vec<String> = module.split("::").map(String::from).collect();
        parts.pop();
        parts
    };
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
        for (marker, base) in [("crate::", Vec::<String>::new()), ("super::", parent.clone())] {
            let mut rest = line;
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let mut path: Vec<String> = base.clone();
                let mut tail = rest;
                loop {
                    let word: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if word.is_empty() || !tail[word.len()..].starts_with("::") {
                        break;
                    }
                    path.push(word.clone());
                    tail = &tail[word.len() + 2..];
                }
                for name in listed(tail) {
                    let mut full = path.clone();
                    full.push(name);
                    if let Some(dep) = resolve(full) {
                        deps.insert(dep);
                    }
                }
            }
        }
    }
    deps
}

/// Layer rank: a module may depend only on modules of its rank or below.
fn rank(module: &str) -> u32 {
    match module.split("::").next().unwrap() {
        "types" | "support" => 0,
        "heap" => 1,
        "spy" | "misuse" | "report" | "stack_report" | "nap" | "notifier" | "soh" | "com" => 2,
        "capi" => 3,
        "crate" | "testing" => 4,
        other => panic!("module {other} has no layer in tests/architecture.rs"),
    }
}

#[test]
fn dependencies_run_one_way_without_cycles() {
    let sources = sources();
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> =
        sources.iter().map(|(m, text)| (m.clone(), dependencies(m, text, &modules))).collect();
    assert!(graph["capi::alloc"].contains("spy"), "the checker must see dependencies: {graph:?}");

    for (module, deps) in &graph {
        for dep in deps {
            assert!(
                rank(dep) <= rank(module),
                "{module} (layer {}) depends on {dep} (layer {})",
                rank(module),
                rank(dep)
            );
        }
    }
    // Depth-first search for a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) {
        match state.get(node) {
            Some(2) => return,
            Some(1) => panic!("dependency cycle: {} -> {node}", stack.join(" -> ")),
            _ => {}
        }
        state.insert(node, 1);
        stack.push(node);
        for dep in &graph[node] {
            visit(dep, graph, state, stack);
        }
        stack.pop();
        state.insert(node, 2);
    }
    let mut state = BTreeMap::new();
    for module in graph.keys() {
        visit(module, &graph, &mut state, &mut Vec::new());
    }
}

#[test]
fn only_the_c_api_layer_exports_and_every_export_is_contained() {
    let sources = sources();
    let mut exported = 0;
    for (module, text) in &sources {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[no_mangle]") {
            assert!(module.starts_with("capi"), "{module} has a #[no_mangle] item: exports belong in src/capi/");
            rest = &rest[at + 1..];
            let item_end = rest.find(['{', ';']).unwrap();
            if rest[..item_end].contains(" fn ") {
                exported += 1;
                let body = rest[item_end + 1..].trim_start();
                let first = body.lines().map(str::trim).find(|l| !l.starts_with("//")).unwrap_or("");
                assert!(
                    first.starts_with("contain(")
                        || first.starts_with("contain_or(")
                        || first.starts_with("contain_traced("),
                    "{module}: an exported function's body must run inside contain(...): {}",
                    &rest[..item_end]
                );
            }
        }
    }
    assert!(exported >= 30, "found only {exported} exported functions");
}
