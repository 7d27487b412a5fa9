//! The benchmark harness's own readings (how it judges an answer, reads
//! CPU time and peak memory), tested with the rest of the suite: the bench
//! crate is not a default member of the workspace (`cargo run` would then
//! have two default binaries to choose from), so its own tests run only
//! under `cargo test -p hubgraph-bench`. These modules need only std and
//! memchr, so the suite compiles the very files the harness does.

#[allow(dead_code)]
#[path = "../../bench/src/answers.rs"]
mod answers;
#[allow(dead_code)]
#[path = "../../bench/src/cpu.rs"]
mod cpu;
#[allow(dead_code)]
#[path = "../../bench/src/rss.rs"]
mod rss;
