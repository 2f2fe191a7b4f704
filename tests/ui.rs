//! The derive's compile-time checks: each case under `tests/ui/<category>/` must fail to
//! compile with exactly the reviewed `.stderr` beside it; `tests/ui/pass/` must compile and run.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui`, then read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    for category in ["attr", "schema", "types", "shape", "refs", "bindings", "shader", "accel", "valid", "collections"]
    {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
}

/// The frame features' cases (per-frame fields, resize, aliasing), alone:
/// `cargo test --test ui frames`.
#[test]
fn frames() {
    trybuild::TestCases::new().compile_fail("tests/ui/frames/*.rs");
}
