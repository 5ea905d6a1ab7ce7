//! Compile errors are part of the product: each case in `ui-tests/` must fail to
//! compile with the message in its `.stderr` (regenerate with
//! `TRYBUILD=overwrite cargo test --test ui`, then read them).
#[test]
fn shape_errors_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/*.rs");
}
