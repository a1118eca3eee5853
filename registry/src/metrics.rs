//! Prometheus metrics: a small registry of counters and histograms and the
//! text exposition format (`api::middleware::track` counts every request).
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
}
