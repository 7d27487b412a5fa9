//! How busy each CPU was during a workload, from the kernel's counters in
//! `/proc/stat`.
//!
//! The load generator has one CPU and the server (with PostgreSQL) the
//! other. When answers come from the response cache, the load generator can
//! be the side that runs out first; the figures are then its ceiling, not
//! the server's, and the report says so by showing both CPUs' busy shares.

use std::collections::HashMap;

/// One CPU's time counters (in the kernel's ticks) at some moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ticks {
    /// Running anything: user, nice, system, interrupts.
    pub busy: u64,
    /// Taken by the host for other guests (a shared virtual machine).
    pub steal: u64,
    /// Everything, idle and waiting for I/O included.
    pub total: u64,
}

/// Shares of a stretch of time on one CPU, each from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    pub busy: f64,
    pub steal: f64,
}

/// Each CPU's counters in a `/proc/stat` text, by CPU number (the
/// all-CPUs line `cpu` is left out).
///
/// A line reads `cpuN user nice system idle iowait irq softirq steal guest
/// guest_nice`; guest time is already counted in user and nice, so it is
/// not added again. Older kernels write fewer fields: missing ones are 0.
pub fn ticks_of(stat: &str) -> HashMap<usize, Ticks> {
    let mut cpus = HashMap::new();
    for line in stat.lines() {
        let mut fields = line.split_whitespace();
        let Some(cpu) = fields
            .next()
            .and_then(|name| name.strip_prefix("cpu"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let values: Vec<u64> = fields.take(8).map_while(|v| v.parse().ok()).collect();
        let at = |i: usize| values.get(i).copied().unwrap_or(0);
        let (user, nice, system, idle, iowait, irq, softirq, steal) =
            (at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7));
        let busy = user + nice + system + irq + softirq;
        cpus.insert(
            cpu,
            Ticks {
                busy,
                steal,
                total: busy + idle + iowait + steal,
            },
        );
    }
    cpus
}

/// The counters of every CPU now; empty where `/proc/stat` cannot be read.
pub fn ticks_now() -> HashMap<usize, Ticks> {
    std::fs::read_to_string("/proc/stat")
        .map(|stat| ticks_of(&stat))
        .unwrap_or_default()
}

/// How CPU `cpu` spent the time between two readings; `None` when either
/// reading lacks it or no time passed.
pub fn shares(before: &HashMap<usize, Ticks>, after: &HashMap<usize, Ticks>, cpu: usize) -> Option<Shares> {
    let (before, after) = (before.get(&cpu)?, after.get(&cpu)?);
    let total = after.total.checked_sub(before.total).filter(|t| *t > 0)? as f64;
    Some(Shares {
        busy: after.busy.saturating_sub(before.busy) as f64 / total,
        steal: after.steal.saturating_sub(before.steal) as f64 / total,
    })
}

#[cfg(test)]
mod tests {
    use super::{Ticks, shares, ticks_of};

    const BEFORE: &str = "cpu  300 0 100 1000 0 0 0 0 0 0\n\
                          cpu0 200 0 50 100 0 0 0 0 0 0\n\
                          cpu1 100 0 50 900 0 0 0 0 0 0\n\
                          intr 12345\n";

    #[test]
    fn each_cpu_line_is_read_and_the_sum_line_left_out() {
        let ticks = ticks_of(BEFORE);
        assert_eq!(ticks.len(), 2);
        assert_eq!(
            ticks[&0],
            Ticks {
                busy: 250,
                steal: 0,
                total: 350
            }
        );
        assert_eq!(ticks[&1].total, 1050);
    }

    #[test]
    fn idle_and_io_wait_are_not_busy_and_stolen_time_is_apart() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        let ticks = ticks_of("cpu3 10 1 5 70 4 2 3 5 7 0\n");
        assert_eq!(
            ticks[&3],
            Ticks {
                busy: 21,
                steal: 5,
                total: 100
            }
        );
        // An older kernel's line, without steal and guest fields.
        assert_eq!(
            ticks_of("cpu0 1 2 3 4\n")[&0],
            Ticks {
                busy: 6,
                steal: 0,
                total: 10
            }
        );
    }

    #[test]
    fn shares_are_of_the_time_between_two_readings() {
        let before = ticks_of(BEFORE);
        let after = ticks_of(
            "cpu0 290 0 60 100 0 0 0 0 0 0\n\
             cpu1 150 0 60 920 0 0 0 20 0 0\n",
        );
        let load = shares(&before, &after, 0).unwrap();
        assert_eq!(load.busy, 1.0);
        let server = shares(&before, &after, 1).unwrap();
        assert!((server.busy - 0.6).abs() < 1e-9, "{server:?}");
        assert!((server.steal - 0.2).abs() < 1e-9, "{server:?}");
        // A CPU missing from a reading, or no time between them, has no shares.
        assert_eq!(shares(&before, &after, 2), None);
        assert_eq!(shares(&before, &before, 0), None);
    }
}
