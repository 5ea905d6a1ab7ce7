//! Benchmarks only: `cargo bench --bench matmul`.
