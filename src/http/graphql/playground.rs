//! The GraphiQL playground: GraphiQL 4 opening on three example tabs (a
//! partner's service search, an HSCP's hub dashboard, a pathway lookup)
//! with the headers editor showing where a token goes.
//!
//! async-graphql's `GraphiQLSource` has no way to set default tabs or
//! headers, hence this page. The example queries live in `playground/` and
//! are the developer guide's own examples: the guide's tests run them
//! against the demo data and check the guide quotes them.
//!
//! Everything the page loads comes from hubgraph itself, compiled into the
//! binary: GraphiQL and React (`assets/`, written by
//! `scripts/playground-assets.sh`), the script that starts GraphiQL, the
//! page's stylesheet and its icon. So the playground works offline and on
//! networks that block CDNs, and its Content-Security-Policy allows nothing
//! from elsewhere. The files are served below the endpoint's own path
//! (`/graphql/assets/`) and the page names them by relative URLs, so a
//! proxy may mount hubgraph under any prefix.

use std::sync::LazyLock;

use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One example tab.
#[derive(Debug, Clone, Copy)]
pub struct Tab {
    /// Who the example is for; the tab itself shows the operation's name.
    pub title: &'static str,
    /// The query text.
    pub query: &'static str,
}

/// The example tabs, in the order the playground shows them; the first is
/// also the query a new tab starts with.
pub const TABS: [Tab; 3] = [
    Tab {
        title: "partner search",
        query: include_str!("playground/partner_search.graphql"),
    },
    Tab {
        title: "hub dashboard",
        query: include_str!("playground/hub_dashboard.graphql"),
    },
    Tab {
        title: "pathway lookup",
        query: include_str!("playground/pathway_lookup.graphql"),
    },
];

/// What the token placeholder reads until a real token replaces it.
pub const TOKEN_PLACEHOLDER: &str = "<token>";

/// The headers editor's template: where a partner's token goes.
pub fn headers_template() -> String {
    format!("{{\n  \"Authorization\": \"Bearer {TOKEN_PLACEHOLDER}\"\n}}")
}

/// The page's Content-Security-Policy: scripts, styles, fonts and images
/// from this server only, requests (HTTP and the subscriptions' WebSocket,
/// which CSP 3's `'self'` covers) to it only. Styles also need
/// `'unsafe-inline'`: GraphiQL's dialogs and menus (Radix UI, through
/// react-remove-scroll) add `<style>` elements when they open. Its fonts
/// and icons are `data:` URLs inside its stylesheet.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How long browsers keep an asset: a year, never asking again. Safe
/// because an asset's name changes with its content (a version or a hash).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// How long browsers keep `/favicon.ico`, whose name cannot change.
const FAVICON_CACHE: &str = "public, max-age=86400";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// How an asset's served name changes with its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// The file name carries the package's version already.
    Versioned,
    /// Ours: a hash of the content goes in before the extension.
    Hashed,
}

/// One file the page loads, as compiled in.
struct File {
    name: &'static str,
    naming: Naming,
    content_type: &'static str,
    body: &'static [u8],
}

const GRAPHIQL_JS: &str = "graphiql-4.1.2.min.js";
const GRAPHIQL_CSS: &str = "graphiql-4.1.2.min.css";
const REACT: &str = "react-18.3.1.production.min.js";
const REACT_DOM: &str = "react-dom-18.3.1.production.min.js";
const START: &str = "playground.js";
const STYLE: &str = "playground.css";
const ICON: &str = "favicon.svg";

const FILES: [File; 7] = [
    File {
        name: REACT,
        naming: Naming::Versioned,
        content_type: JAVASCRIPT,
        body: include_bytes!("assets/react-18.3.1.production.min.js"),
    },
    File {
        name: REACT_DOM,
        naming: Naming::Versioned,
        content_type: JAVASCRIPT,
        body: include_bytes!("assets/react-dom-18.3.1.production.min.js"),
    },
    File {
        name: GRAPHIQL_JS,
        naming: Naming::Versioned,
        content_type: JAVASCRIPT,
        body: include_bytes!("assets/graphiql-4.1.2.min.js"),
    },
    File {
        name: GRAPHIQL_CSS,
        naming: Naming::Versioned,
        content_type: CSS,
        body: include_bytes!("assets/graphiql-4.1.2.min.css"),
    },
    File {
        name: START,
        naming: Naming::Hashed,
        content_type: JAVASCRIPT,
        body: include_bytes!("playground.js"),
    },
    File {
        name: STYLE,
        naming: Naming::Hashed,
        content_type: CSS,
        body: include_bytes!("playground.css"),
    },
    File {
        name: ICON,
        naming: Naming::Hashed,
        content_type: SVG,
        body: include_bytes!("favicon.svg"),
    },
];

/// A file as served under `/graphql/assets/`.
#[derive(Debug)]
pub struct Asset {
    /// The name in its URL, which changes whenever its content does.
    pub name: String,
    /// The compiled-in file it is.
    file: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// A strong validator: the content's hash, quoted.
    pub etag: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|file| {
            let hash: String = Sha256::digest(file.body).iter().map(|b| format!("{b:02x}")).collect();
            let name = match (file.naming, file.name.rsplit_once('.')) {
                (Naming::Hashed, Some((stem, extension))) => format!("{stem}.{}.{extension}", &hash[..12]),
                _ => file.name.to_owned(),
            };
            Asset {
                name,
                file: file.name,
                content_type: file.content_type,
                body: file.body,
                etag: format!("\"{}\"", &hash[..32]),
            }
        })
        .collect()
});

/// Every asset the page loads.
pub fn assets() -> &'static [Asset] {
    &ASSETS
}

/// The asset served as `name`.
pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

fn compiled(file: &str) -> &'static Asset {
    // Every name passed here is one of FILES, all of which are in ASSETS.
    ASSETS.iter().find(|asset| asset.file == file).unwrap_or(&ASSETS[0])
}

/// The playground's HTML page. It names its assets by URLs relative to
/// itself (`graphql/assets/...` from `.../graphql`), so it works under
/// whatever prefix a proxy mounts hubgraph at.
pub fn page() -> String {
    let headers = headers_template();
    let tabs: Vec<serde_json::Value> = TABS
        .iter()
        .map(|tab| serde_json::json!({ "query": tab.query, "headers": headers }))
        .collect();
    let config = serde_json::json!({
        "defaultQuery": TABS[0].query,
        "headers": headers,
        "tabs": tabs,
        "placeholder": TOKEN_PLACEHOLDER,
    });
    // JSON inside a <script> element: escaping `<` keeps text such as
    // `</script>` (or the placeholder's `<token>`) from ending the element.
    let config = config.to_string().replace('<', "\\u003c");
    let mut page = include_str!("playground.html").replace("__PLAYGROUND_CONFIG__", &config);
    for (placeholder, file) in [
        ("__FAVICON__", ICON),
        ("__GRAPHIQL_CSS__", GRAPHIQL_CSS),
        ("__PLAYGROUND_CSS__", STYLE),
        ("__REACT__", REACT),
        ("__REACT_DOM__", REACT_DOM),
        ("__GRAPHIQL_JS__", GRAPHIQL_JS),
        ("__PLAYGROUND_JS__", START),
    ] {
        page = page.replace(placeholder, &format!("graphql/assets/{}", compiled(file).name));
    }
    page
}

/// The page as a response, with its policy. It changes with each release
/// and is small: browsers ask again each time.
pub fn page_response() -> Response {
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, POLICY)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(page())
}

/// `GET /graphql/assets/{name}`: one of the page's files.
#[poem::handler]
pub fn serve_asset(poem::web::Path(name): poem::web::Path<String>, headers: &HeaderMap) -> Response {
    match asset(&name) {
        Some(asset) => respond(asset, headers, IMMUTABLE),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

/// `GET /favicon.ico`: the playground's icon (an SVG, which browsers take
/// whatever the name says), for browsers that ask for it by that name.
#[poem::handler]
pub fn favicon(headers: &HeaderMap) -> Response {
    respond(compiled(ICON), headers, FAVICON_CACHE)
}

fn respond(asset: &Asset, headers: &HeaderMap, cache_control: &'static str) -> Response {
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let builder = match HeaderValue::from_str(&asset.etag) {
        Ok(etag) => builder.header(header::ETAG, etag),
        Err(_) => builder,
    };
    if unchanged(headers, &asset.etag) {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    builder
        .content_type(asset.content_type)
        .body(asset.body)
        .into_response()
}

/// Whether `If-None-Match` names the asset's current tag (by the weak
/// comparison RFC 9110 asks of it), or is `*`.
fn unchanged(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON data block the page carries.
    fn config_text(page: &str) -> &str {
        page.split("<script type=\"application/json\" id=\"playground-config\">")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .expect("the config in the page")
    }

    #[test]
    fn the_page_carries_every_tab_and_no_raw_angle_bracket_in_its_data() {
        let page = page();
        let text = config_text(&page);
        let config: serde_json::Value = serde_json::from_str(text).expect("the config is JSON");
        assert_eq!(config["tabs"].as_array().map(Vec::len), Some(TABS.len()));
        assert_eq!(config["defaultQuery"], TABS[0].query);
        assert_eq!(config["tabs"][1]["headers"], headers_template());
        assert!(!text.contains('<'), "a raw < could end the script element");
    }

    #[test]
    fn the_page_names_every_asset_relative_to_itself() {
        let page = page();
        for asset in assets() {
            assert!(
                page.contains(&format!("\"graphql/assets/{}\"", asset.name)),
                "{}",
                asset.name
            );
        }
        assert!(!page.contains("__"), "a placeholder is left in the page");
    }

    #[test]
    fn our_own_files_are_named_by_their_content() {
        let start = compiled(START);
        assert!(start.name.starts_with("playground.") && start.name.ends_with(".js"));
        assert_ne!(start.name, START);
        assert_eq!(compiled(REACT).name, REACT);
        assert_eq!(asset(&start.name).map(|a| a.file), Some(START));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let mut headers = HeaderMap::new();
        assert!(!unchanged(&headers, "\"abc\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"abc\""));
        assert!(unchanged(&headers, "\"abc\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(unchanged(&headers, "\"abc\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!unchanged(&headers, "\"abc\""));
    }
}
