//! Settings of mimalloc, the allocator of the `hubgraph` binary (and of the
//! benchmark's server, which allocates as it does).
//!
//! mimalloc 3 keeps memory the process has freed for a second before it
//! hands it back to the OS, for reuse without asking again. Under load the
//! server frees a request's memory thousands of times a second, so a
//! second of it stays resident: at 100,000 services on SQLite that was
//! about 10 MiB of the peak RSS (`bench/RESULTS.md`, "The ninth pass").
//! After 10 ms (mimalloc 2's choice) the peak went down by as much, with
//! no change in throughput; handing it back at once (0 ms) cost a few
//! percent of W4's throughput in system calls. `MIMALLOC_PURGE_DELAY`
//! still sets it.

use std::ffi::c_long;

use libmimalloc_sys as mi;

/// mimalloc's `mi_option_purge_delay` (its place in mimalloc 3's
/// `mi_option_e`; libmimalloc-sys gives it no name).
const PURGE_DELAY: mi::mi_option_t = 15;

/// How long freed memory stays with the process before it goes back to the OS.
pub const PURGE_DELAY_MS: c_long = 10;

/// mimalloc's own setting of the delay, which wins over ours.
const PURGE_DELAY_VARIABLE: &str = "MIMALLOC_PURGE_DELAY";

/// Applies the settings, unless mimalloc's environment variable sets the
/// delay. Call it first thing in `main`, before threads start: mimalloc's
/// options are plain variables.
pub fn configure() {
    if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() {
        return;
    }
    // SAFETY: sets one of mimalloc's option values; any value is valid.
    unsafe { mi::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's place is right: before `configure` it holds mimalloc
    /// 3's default purge delay, after it ours (or, either way, what
    /// mimalloc's environment variable says).
    #[test]
    fn configure_sets_the_purge_delay() {
        let from_environment: Option<c_long> = std::env::var(PURGE_DELAY_VARIABLE).ok().and_then(|v| v.parse().ok());
        let before = unsafe { mi::mi_option_get(PURGE_DELAY) };
        assert_eq!(before, from_environment.unwrap_or(1000), "not mimalloc 3's purge delay");
        configure();
        let after = unsafe { mi::mi_option_get(PURGE_DELAY) };
        assert_eq!(after, from_environment.unwrap_or(PURGE_DELAY_MS));
    }
}
