//! The example pages for partners (`examples/` in the repository): the
//! service finder and the hub dashboard. They are compiled into the binary
//! so `hubgraph serve` shows them whatever the working directory, and they
//! talk to the server only through its public GraphQL API.

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// What the pages may load: their own scripts, styles written inline by the
/// components, and the API (HTTP and WebSocket) of this same server.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

struct Asset {
    /// Path under `/examples/`; a directory ends with `/` and serves its index.html.
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "",
        content_type: HTML,
        body: include_str!("../../examples/index.html"),
    },
    Asset {
        path: "service-finder/",
        content_type: HTML,
        body: include_str!("../../examples/service-finder/index.html"),
    },
    Asset {
        path: "service-finder/service-finder.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/service-finder/service-finder.js"),
    },
    Asset {
        path: "service-finder/finder-text.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/service-finder/finder-text.js"),
    },
    Asset {
        path: "service-finder/finder-view.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/service-finder/finder-view.js"),
    },
    Asset {
        path: "hub-dashboard/",
        content_type: HTML,
        body: include_str!("../../examples/hub-dashboard/index.html"),
    },
    Asset {
        path: "hub-dashboard/hub-dashboard.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/hub-dashboard.js"),
    },
    Asset {
        path: "hub-dashboard/common.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/common.js"),
    },
    Asset {
        path: "hub-dashboard/insights.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/insights.js"),
    },
    Asset {
        path: "hub-dashboard/live.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/live.js"),
    },
    Asset {
        path: "hub-dashboard/map.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/map.js"),
    },
    Asset {
        path: "hub-dashboard/styles.js",
        content_type: JAVASCRIPT,
        body: include_str!("../../examples/hub-dashboard/styles.js"),
    },
];

/// `GET /examples/{path}`: one of the example files.
#[handler]
pub fn file(Path(path): Path<String>) -> Response {
    serve(path.trim_start_matches('/'))
}

/// `GET /examples`: the index lives at the directory URL, so that the
/// pages' relative links resolve.
#[handler]
pub fn root() -> Response {
    redirect("/examples/")
}

fn serve(path: &str) -> Response {
    // A directory's index.html is also reachable by its own name.
    let path = path.strip_suffix("index.html").unwrap_or(path);
    if let Some(asset) = ASSETS.iter().find(|a| a.path == path) {
        let mut response = Response::builder()
            .content_type(asset.content_type)
            // Small files that change with each release: always revalidate.
            .header(header::CACHE_CONTROL, "no-cache")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        if asset.content_type == HTML {
            response = response.header(header::CONTENT_SECURITY_POLICY, PAGE_POLICY);
        } else {
            // A partner's page loads the components with
            // `<script type="module" src=...>`, which browsers fetch with CORS.
            response = response.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        return response.body(asset.body);
    }
    // A directory asked for without its slash.
    let directory = format!("{path}/");
    if !path.is_empty() && ASSETS.iter().any(|a| a.path == directory) {
        return redirect(&format!("/examples/{directory}"));
    }
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}

fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::PERMANENT_REDIRECT)
        .header(header::LOCATION, to)
        .finish()
}
