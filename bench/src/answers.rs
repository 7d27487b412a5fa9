//! Whether an answer the load generator received counts as a success.

/// A success is HTTP 2xx with no GraphQL errors and, for a write, no user
/// errors. A failure is described by its status and the start of its body.
pub fn judge(status: u16, body: &[u8], write: bool) -> Result<(), String> {
    // memmem, not a window at a time: a naive scan of W3's 50 kB answers
    // was half the load generator's CPU, and the load generator the
    // bottleneck of the workloads answered from the cache.
    let has = |needle: &[u8]| memchr::memmem::find(body, needle).is_some();
    let ok = (200..300).contains(&status) && !has(b"\"errors\":") && (!write || has(b"\"userErrors\":[]"));
    if ok {
        return Ok(());
    }
    let text = String::from_utf8_lossy(body);
    let start: String = text.chars().take(300).collect();
    let more = if start.len() < text.len() { "…" } else { "" };
    Err(format!("HTTP {status}: {start}{more}"))
}

#[cfg(test)]
mod tests {
    use super::judge;

    #[test]
    fn a_response_is_judged_by_status_errors_and_user_errors() {
        assert_eq!(judge(200, br#"{"data":{"services":{"nodes":[]}}}"#, false), Ok(()));
        assert_eq!(
            judge(200, br#"{"data":{"updateHubStatus":{"hub":{},"userErrors":[]}}}"#, true),
            Ok(())
        );

        let refused = judge(
            503,
            br#"{"errors":[{"extensions":{"code":"SERVICE_UNAVAILABLE"}}]}"#,
            false,
        );
        assert!(refused.unwrap_err().contains("HTTP 503: {\"errors\""));
        let with_errors = judge(200, br#"{"data":null,"errors":[{"message":"boom"}]}"#, false);
        assert!(with_errors.unwrap_err().contains("boom"));
        let user_error = judge(
            200,
            br#"{"data":{"updateHubStatus":{"userErrors":[{"code":"CONFLICT"}]}}}"#,
            true,
        );
        assert!(user_error.unwrap_err().contains("CONFLICT"));
    }

    #[test]
    fn a_long_failure_is_cut_short() {
        let body = "x".repeat(1_000);
        let error = judge(500, body.as_bytes(), false).unwrap_err();
        assert!(error.len() < 320 && error.ends_with('…'), "{error}");
    }
}
