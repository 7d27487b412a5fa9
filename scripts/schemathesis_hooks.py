"""The server-error check schemathesis runs against hubgraph.

Schemathesis's own `not_a_server_error` counts every GraphQL `errors` entry
it cannot classify as a resolver failure, including UNAUTHENTICATED or
FORBIDDEN for an anonymous mutation, which is the intended answer. hubgraph
labels every error with a stable `extensions.code`, so this check instead
fails on what really is a server fault: an HTTP 5xx, a body that is not a
GraphQL response, an error without a code, or a code that is not one of the
documented client outcomes (INTERNAL above all).
"""

import schemathesis

# Outcomes that describe the request, not a fault of the server.
CLIENT_CODES = frozenset(
    {
        "BAD_REQUEST",
        "BAD_USER_INPUT",
        "CONFLICT",
        "FORBIDDEN",
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
        "IDEMPOTENCY_KEY_IN_USE",
        "IDEMPOTENCY_KEY_REUSED",
        "METHOD_NOT_ALLOWED",
        "NOT_ACCEPTABLE",
        "NOT_FOUND",
        "PAYLOAD_TOO_LARGE",
        "QUERY_TOO_COMPLEX",
        "QUERY_TOO_LARGE",
        "RATE_LIMITED",
        "UNAUTHENTICATED",
        "UNSUPPORTED_MEDIA_TYPE",
    }
)


@schemathesis.check
def no_server_errors(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except Exception:
        raise AssertionError(f"not JSON (HTTP {response.status_code}): {response.text[:200]!r}")
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise AssertionError(f"not a GraphQL response: {str(body)[:200]}")
    for error in body.get("errors") or []:
        extensions = (error or {}).get("extensions") or {}
        code = extensions.get("code")
        if code not in CLIENT_CODES:
            raise AssertionError(f"error with code {code!r}: {error.get('message')!r}")
    return None
