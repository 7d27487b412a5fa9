//! What `/metrics` counts as requests happen: GraphQL operations by name and
//! outcome, their latencies, and rate-limit refusals. Values read at scrape
//! time (pool, sockets, SQL statements) are gathered by `http::metrics`.
//!
//! Each application has its own registry (no global recorder), so the many
//! servers of the test suite never mix their counts.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Operation names are chosen by clients: at most this many distinct names
/// get their own series; later ones are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// Longer names (or names with other characters) are counted as `other`.
pub const MAX_OPERATION_NAME_LEN: usize = 64;

/// The label of operations sent without a name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of names past the limits above.
pub const OTHER: &str = "other";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResponseLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

type Durations = Family<OperationLabels, Histogram, fn() -> Histogram>;

/// Latency buckets from 1 ms to about 16 s, doubling (the request timeout is 10 s by default).
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The counters and histograms of one application.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    rate_limited: Family<LimitLabels, Counter>,
    responses: Family<ResponseLabels, Counter>,
    names: OperationNames,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "hubgraph_graphql_requests",
            "GraphQL operations over HTTP by operation name and outcome (ok, or the first error's code)",
            requests.clone(),
        );
        let durations = Durations::new_with_constructor(duration_histogram);
        registry.register(
            "hubgraph_graphql_request_duration_seconds",
            "Time to execute a GraphQL operation over HTTP, by operation name",
            durations.clone(),
        );
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "hubgraph_rate_limited",
            "Requests refused with 429 by the per-token or per-IP rate limit",
            rate_limited.clone(),
        );
        let responses = Family::<ResponseLabels, Counter>::default();
        registry.register(
            "hubgraph_http_responses",
            "HTTP responses by route and status, including requests refused before any GraphQL operation ran \
             (media type, body size, authentication, rate limit)",
            responses.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            rate_limited,
            responses,
            names: OperationNames::default(),
        }
    }
}

impl Metrics {
    /// The label an operation name is counted under (see [`OperationNames`]).
    pub fn operation_label(&self, name: Option<&str>) -> String {
        self.names.label(name)
    }

    /// Counts one GraphQL operation; `outcome` is `ok` or an error code.
    pub fn record_request(&self, operation: &str, outcome: &str, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.durations
            .get_or_create(&OperationLabels {
                operation: operation.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Counts a refusal by the per-token (`token`) or per-IP (`ip`) limit.
    pub fn record_rate_limited(&self, limit: &'static str) {
        self.rate_limited.get_or_create(&LimitLabels { limit }).inc();
    }

    /// Counts one HTTP response of `route` (one of a fixed few, see
    /// `http::route_label`) with its status code.
    pub fn record_response(&self, route: &'static str, status: u16) {
        self.responses.get_or_create(&ResponseLabels { route, status }).inc();
    }

    /// Appends the registry in the Prometheus text format.
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        prometheus_client::encoding::prometheus_text::encode(out, &self.registry)
    }
}

/// Whether a client's name is safe as a label and a log field: GraphQL
/// name characters only, and not too long.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_OPERATION_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Bounds the operation-name label: every distinct series costs memory in
/// this process and in Prometheus, and the names come from clients.
#[derive(Debug, Default)]
struct OperationNames {
    seen: Mutex<HashSet<String>>,
}

impl OperationNames {
    fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        if !is_plain_name(name) {
            return OTHER.to_owned();
        }
        // A poisoned lock only means another request panicked mid-insert; the set is still sound.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_OPERATION_NAMES {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_in_shape_and_number() {
        let names = OperationNames::default();
        assert_eq!(names.label(None), ANONYMOUS);
        assert_eq!(names.label(Some("HubDashboard")), "HubDashboard");
        assert_eq!(names.label(Some("with space")), OTHER);
        assert_eq!(names.label(Some("line\nbreak")), OTHER);
        assert_eq!(names.label(Some(&"a".repeat(MAX_OPERATION_NAME_LEN + 1))), OTHER);
        for i in 1..MAX_OPERATION_NAMES {
            assert_eq!(names.label(Some(&format!("Op{i}"))), format!("Op{i}"));
        }
        assert_eq!(names.label(Some("OneTooMany")), OTHER);
        assert_eq!(
            names.label(Some("HubDashboard")),
            "HubDashboard",
            "known names keep their series"
        );
    }

    #[test]
    fn encodes_counters_and_histograms_as_prometheus_text() {
        let metrics = Metrics::default();
        metrics.record_request("Areas", "ok", Duration::from_millis(3));
        metrics.record_rate_limited("ip");
        let mut text = String::new();
        metrics.encode(&mut text).unwrap();
        assert!(
            text.contains("hubgraph_graphql_requests_total{operation=\"Areas\",outcome=\"ok\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("hubgraph_graphql_request_duration_seconds_bucket{operation=\"Areas\",le=\"0.004\"} 1"),
            "{text}"
        );
        assert!(text.contains("hubgraph_rate_limited_total{limit=\"ip\"} 1"), "{text}");
    }
}
