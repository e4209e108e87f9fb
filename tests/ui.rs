//! Compile-fail and compile-pass cases of the macros (`ui-tests/`).
//!
//! `ui-tests/pass/*.rs` must compile (and run); every other `ui-tests/<topic>/*.rs`
//! must fail with exactly its `.stderr`. Regenerate with `TRYBUILD=overwrite`
//! and read every diff before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui-tests/pass/*.rs");
    for entry in std::fs::read_dir("ui-tests").expect("ui-tests/ exists") {
        let path = entry.expect("readable ui-tests/").path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "pass") {
            t.compile_fail(path.join("*.rs"));
        }
    }
}
