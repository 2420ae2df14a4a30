//! CPU time of a process from /proc/PID/stat, to tell a server's cost per message apart from
//! its rate (the rate can be capped by the load generator; the cost cannot).

use super::LoadError;

/// Linux reports utime and stime in USER_HZ ticks, 100 a second on every mainstream
/// architecture (the kernel's ABI, not the configured HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU seconds used so far by process `pid` (`self` for this process).
pub fn cpu_seconds(pid: &str) -> Result<f64, LoadError> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|error| LoadError::Io {
        what: format!("reading {path}"),
        why: error.to_string(),
    })?;
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the ')'.
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<u64>().ok())
    };
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => Ok((user + system) as f64 / TICKS_PER_SECOND),
        _ => Err(LoadError::Io {
            what: format!("reading {path}"),
            why: "no utime and stime fields in it".to_owned(),
        }),
    }
}
