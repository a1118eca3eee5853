//! Prometheus metrics: a small registry of counters and histograms, the
//! gauges read at each scrape ([`Gauges`]: the process from `/proc/self`, the
//! database pool, the search index's lag, the agents' releases) and the text
//! exposition format (`api::middleware::track` counts every request).
//!
//! Routes are labelled by their pattern (`/api/v1/templates/{ns}/{name}`), and
//! unmatched paths as `unmatched`, so that label values stay few.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the duration buckets, in seconds (long polls last up to 60).
const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Count per bucket (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let s = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            self.buckets[i] += 1;
        }
        self.sum += s;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

/// The registry's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, method, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route → request durations.
    durations: Mutex<BTreeMap<String, Histogram>>,
    publishes: AtomicU64,
    publish_durations: Mutex<Histogram>,
    /// Long polls waiting right now.
    waiting: AtomicI64,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Count one answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        self.durations
            .lock()
            .expect("metrics lock")
            .entry(route.to_string())
            .or_default()
            .observe(took);
    }

    /// Count one successful publish.
    pub fn published(&self, took: Duration) {
        self.publishes.fetch_add(1, Ordering::Relaxed);
        self.publish_durations
            .lock()
            .expect("metrics lock")
            .observe(took);
    }

    /// A long poll starts waiting; the gauge goes down when the guard drops.
    pub fn waiting(&self) -> WaitingGuard<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        WaitingGuard(self)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP souk_http_requests_total HTTP requests answered, by route, method and status.\n");
        out.push_str("# TYPE souk_http_requests_total counter\n");
        for ((route, method, status), n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "souk_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str(
            "# HELP souk_http_request_duration_seconds Time to answer HTTP requests, by route.\n",
        );
        out.push_str("# TYPE souk_http_request_duration_seconds histogram\n");
        for (route, h) in self.durations.lock().expect("metrics lock").iter() {
            h.render(
                &mut out,
                "souk_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        out.push_str("# HELP souk_publish_total Template versions published.\n");
        out.push_str("# TYPE souk_publish_total counter\n");
        let _ = writeln!(
            out,
            "souk_publish_total {}",
            self.publishes.load(Ordering::Relaxed)
        );
        out.push_str("# HELP souk_publish_duration_seconds Time to publish a version, from body to commit.\n");
        out.push_str("# TYPE souk_publish_duration_seconds histogram\n");
        self.publish_durations.lock().expect("metrics lock").render(
            &mut out,
            "souk_publish_duration_seconds",
            "",
        );
        out.push_str("# HELP souk_events_waiting Long polls of the event feed waiting now.\n");
        out.push_str("# TYPE souk_events_waiting gauge\n");
        let _ = writeln!(
            out,
            "souk_events_waiting {}",
            self.waiting.load(Ordering::Relaxed)
        );
        out
    }
}

/// What `/metrics` reads at each scrape, besides the counters above: the
/// process, the database pool, the search index's lag and the agents'
/// releases. Label values stay few: release states are a fixed set.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// `None` where `/proc` cannot be read (not Linux).
    pub process: Option<ProcessStats>,
    pub pool: PoolGauge,
    /// Events committed but not yet in the search index.
    pub search_lag_events: i64,
    /// Releases in the agents' latest reports, per state, every state listed;
    /// `None` when the database did not answer.
    pub release_states: Option<Vec<(&'static str, i64)>>,
}

/// The database pool's connections.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolGauge {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

impl Gauges {
    /// Append the gauges in the text exposition format, after [`Metrics::render`].
    pub fn render(&self, out: &mut String) {
        if let Some(p) = &self.process {
            p.render(out);
        }
        family(
            out,
            "souk_build_info",
            "gauge",
            "The registry's version, as a label; always 1.",
        );
        let _ = writeln!(
            out,
            "souk_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );
        family(
            out,
            "souk_db_pool_connections",
            "gauge",
            "Database pool connections, by state (idle or in use).",
        );
        let in_use = self.pool.connections.saturating_sub(self.pool.idle);
        let _ = writeln!(
            out,
            "souk_db_pool_connections{{state=\"idle\"}} {}",
            self.pool.idle
        );
        let _ = writeln!(out, "souk_db_pool_connections{{state=\"in_use\"}} {in_use}");
        family(
            out,
            "souk_db_pool_max_connections",
            "gauge",
            "The most connections the database pool may hold.",
        );
        let _ = writeln!(out, "souk_db_pool_max_connections {}", self.pool.max);
        family(
            out,
            "souk_search_index_lag_events",
            "gauge",
            "Events committed to the database but not yet in the search index.",
        );
        let _ = writeln!(
            out,
            "souk_search_index_lag_events {}",
            self.search_lag_events
        );
        if let Some(states) = &self.release_states {
            family(
                out,
                "souk_agent_releases",
                "gauge",
                "Releases in the agents' latest reports, by state.",
            );
            for (state, n) in states {
                let _ = writeln!(
                    out,
                    "souk_agent_releases{{state=\"{}\"}} {n}",
                    escape(state)
                );
            }
        }
    }
}

/// This process, from `/proc/self` (the names of Prometheus' client libraries).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    pub resident_memory_bytes: u64,
    pub virtual_memory_bytes: u64,
    pub cpu_seconds: f64,
    pub open_fds: u64,
    /// `None` when the limit is unlimited or unreadable.
    pub max_fds: Option<u64>,
    /// Since the Unix epoch.
    pub start_time_seconds: f64,
}

/// Clock ticks per second of `/proc/*/stat` times: `USER_HZ`, fixed at 100
/// on every Linux architecture's user ABI (Prometheus' procfs assumes it too).
const USER_HZ: f64 = 100.0;

impl ProcessStats {
    /// Read this process's figures (blocking file reads of `/proc`, which
    /// the kernel answers from memory).
    pub fn read() -> std::io::Result<ProcessStats> {
        let read = |path: &str| std::fs::read_to_string(path);
        let mut stats = ProcessStats::parse(
            &read("/proc/self/stat")?,
            &read("/proc/self/status")?,
            &read("/proc/stat")?,
        )
        .ok_or_else(|| std::io::Error::other("unexpected `/proc/self/stat` or `status`"))?;
        stats.open_fds = std::fs::read_dir("/proc/self/fd")?.count() as u64;
        stats.max_fds = read("/proc/self/limits")
            .ok()
            .as_deref()
            .and_then(parse_max_fds);
        Ok(stats)
    }

    /// From `/proc/self/stat`, `/proc/self/status` (the resident set in
    /// bytes, whatever the page size) and `/proc/stat` (the boot time); the
    /// descriptors are counted apart.
    fn parse(stat: &str, status: &str, system: &str) -> Option<ProcessStats> {
        // The command name (field 2) is in parentheses and may hold spaces
        // or parentheses itself: the fields that follow start after the last `)`.
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // `fields[0]` is field 3 of proc(5) (`state`).
        let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
        let utime = field(14)?;
        let stime = field(15)?;
        let start_ticks = field(22)?;
        let vsize = field(23)?;
        let rss_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        let boot: u64 = system
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        Some(ProcessStats {
            resident_memory_bytes: rss_kib * 1024,
            virtual_memory_bytes: vsize,
            cpu_seconds: (utime + stime) as f64 / USER_HZ,
            open_fds: 0,
            max_fds: None,
            start_time_seconds: boot as f64 + start_ticks as f64 / USER_HZ,
        })
    }

    fn render(&self, out: &mut String) {
        let mut gauge = |name: &str, kind: &str, help: &str, value: String| {
            family(out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        };
        gauge(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            self.resident_memory_bytes.to_string(),
        );
        gauge(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            self.virtual_memory_bytes.to_string(),
        );
        gauge(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            self.cpu_seconds.to_string(),
        );
        gauge(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            self.open_fds.to_string(),
        );
        if let Some(max) = self.max_fds {
            gauge(
                "process_max_fds",
                "gauge",
                "Maximum number of open file descriptors.",
                max.to_string(),
            );
        }
        gauge(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            self.start_time_seconds.to_string(),
        );
    }
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
fn parse_max_fds(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The `# HELP` and `# TYPE` lines of a family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Decrements the waiting gauge when dropped (also when a poll is cancelled).
pub struct WaitingGuard<'a>(&'a Metrics);

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::new();
        m.request("/api/v1/health", "GET", 200, Duration::from_millis(3));
        m.request("/api/v1/health", "GET", 200, Duration::from_millis(300));
        m.published(Duration::from_millis(20));
        let text = m.render();
        assert!(text.contains(
            "souk_http_requests_total{route=\"/api/v1/health\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "souk_http_request_duration_seconds_bucket{route=\"/api/v1/health\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "souk_http_request_duration_seconds_bucket{route=\"/api/v1/health\",le=\"0.5\"} 2"
        ));
        assert!(text.contains("souk_publish_total 1"));
        assert!(text.contains("souk_publish_duration_seconds_count 1"));
        {
            let _g = m.waiting();
            assert!(m.render().contains("souk_events_waiting 1"));
        }
        assert!(m.render().contains("souk_events_waiting 0"));
    }

    #[test]
    fn reads_the_process_from_proc_stat() {
        // A command name with a space and a parenthesis, as proc(5) allows.
        let stat = "4242 (souk reg)istry) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 50 0 0 20 0 9 0 12345 104857600 2560 18446744073709551615";
        let system = "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n";
        let status = "Name:\tsouk-registry\nVmSize:\t  102400 kB\nVmRSS:\t   10240 kB\n";
        let p = ProcessStats::parse(stat, status, system).unwrap();
        assert_eq!(p.cpu_seconds, 3.0);
        assert_eq!(p.start_time_seconds, 1_700_000_123.45);
        assert_eq!(p.virtual_memory_bytes, 104_857_600);
        assert_eq!(p.resident_memory_bytes, 10240 * 1024);
        assert_eq!(ProcessStats::parse("garbage", status, system), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(parse_max_fds(limits), Some(1024));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let p = ProcessStats::read().unwrap();
        assert!(p.resident_memory_bytes > 0);
        assert!(p.open_fds > 0);
        assert!(p.start_time_seconds > 1_600_000_000.0);
    }

    #[test]
    fn renders_gauges_with_bounded_labels() {
        let g = Gauges {
            process: Some(ProcessStats::default()),
            pool: PoolGauge {
                connections: 3,
                idle: 2,
                max: 8,
            },
            search_lag_events: 4,
            release_states: Some(vec![("healthy", 2), ("failed", 0)]),
        };
        let mut text = String::new();
        g.render(&mut text);
        for line in [
            "process_resident_memory_bytes 0",
            "# TYPE process_cpu_seconds_total counter",
            "souk_db_pool_connections{state=\"idle\"} 2",
            "souk_db_pool_connections{state=\"in_use\"} 1",
            "souk_db_pool_max_connections 8",
            "souk_search_index_lag_events 4",
            "souk_agent_releases{state=\"healthy\"} 2",
            "souk_agent_releases{state=\"failed\"} 0",
        ] {
            assert!(text.contains(line), "missing `{line}` in\n{text}");
        }
        assert!(text.contains(&format!(
            "souk_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )));
    }
}
