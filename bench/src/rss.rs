//! The server's peak memory, as the kernel counts it.

/// The server's peak RSS in bytes (`VmHWM`), 0 when it cannot be read.
pub fn peak_rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| vm_hwm_bytes(&status))
        .unwrap_or(0)
}

/// `VmHWM` of a `/proc/PID/status` text, in bytes (the kernel writes
/// kibibytes and calls them "kB").
pub fn vm_hwm_bytes(status: &str) -> Option<u64> {
    let value = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    let kib: u64 = value.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::vm_hwm_bytes;

    /// The kernel's "kB" are kibibytes: 142,600 of them are 146.0 MB.
    #[test]
    fn peak_rss_is_read_in_bytes() {
        let status = "Name:\thubgraph\nVmPeak:\t  900000 kB\nVmHWM:\t  142600 kB\nVmRSS:\t  100 kB\n";
        assert_eq!(vm_hwm_bytes(status), Some(142_600 * 1024));
        assert_eq!(vm_hwm_bytes("Name:\thubgraph\n"), None);
        assert_eq!(vm_hwm_bytes("VmHWM:\t  lots\n"), None);
    }
}
