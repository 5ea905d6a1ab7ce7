//! Compile errors are part of the product: each case in `ui-tests/` must fail to
//! compile with the message in its `.stderr` (regenerate with
//! `TRYBUILD=overwrite cargo test -p corten-ui-tests`, then read them). A crate
//! of its own so that trybuild is not built with corten's examples.
#[test]
fn shape_errors_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("*.rs");
}
