//! The GraphiQL playground needs nothing but hubgraph: its page names only
//! files served below `/graphql/assets/`, by relative URLs, carries a
//! Content-Security-Policy that allows nothing from elsewhere, and each
//! file is kept by browsers for a year and revalidated with its ETag.
//! `browser.rs` opens it in Chromium with every other host blocked.

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both;

/// The playground page as a browser asks for it.
async fn page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap()
}

/// Every `src` and `href` value in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for rest in html.split(attribute).skip(1) {
            found.push(rest.split('"').next().unwrap_or("").to_owned());
        }
    }
    found
}

fn header(response: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> &str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The directives of a policy, by name.
fn directives(policy: &str) -> std::collections::HashMap<&str, Vec<&str>> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect()
}

on_both! {
    /// A browser behind a network that blocks CDNs gets a page that loads
    /// nothing from elsewhere and could not if it tried.
    async fn the_playground_page_loads_nothing_from_elsewhere(app) {
        let response = page(&app).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, CONTENT_TYPE).starts_with("text/html"));
        let policy = header(&response, CONTENT_SECURITY_POLICY).to_owned();
        let html = response.text().await.unwrap();

        let directives = directives(&policy);
        assert_eq!(directives["default-src"], ["'none'"], "{policy}");
        assert_eq!(directives["script-src"], ["'self'"], "no inline or foreign scripts: {policy}");
        assert_eq!(directives["connect-src"], ["'self'"], "{policy}");
        for name in ["style-src", "img-src", "font-src"] {
            assert_eq!(directives[name][0], "'self'", "{policy}");
            assert!(
                directives[name].iter().all(|source| source.starts_with('\'') || *source == "data:"),
                "{name} allows a host: {policy}"
            );
        }
        for name in ["base-uri", "form-action", "frame-ancestors"] {
            assert_eq!(directives[name], ["'none'"], "{policy}");
        }

        assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
        let references = references(&html);
        assert_eq!(references.len(), 7, "icon, two stylesheets, four scripts: {references:?}");
        for reference in &references {
            assert!(reference.starts_with("graphql/assets/"), "{reference} is not one of ours");
            // Relative to the page, so a proxy's prefix carries over.
            let behind_proxy = reqwest::Url::parse("https://council.example/api/graphql").unwrap();
            assert!(behind_proxy.join(reference).unwrap().path().starts_with("/api/graphql/assets/"));
        }
        // No inline script: the only <script> without `src` is the JSON
        // data block, which never runs.
        let inline: Vec<&str> = html.split("<script").skip(1).filter(|tag| !tag.starts_with(" defer src=")).collect();
        assert_eq!(inline.len(), 1, "{inline:?}");
        assert!(inline[0].starts_with(" type=\"application/json\" id=\"playground-config\">"));
        let data = inline[0].split_once('>').unwrap().1.split("</script>").next().unwrap();
        assert!(!data.contains('<'), "a raw < could end the data block");
        let config: Value = serde_json::from_str(data).expect("the config is JSON");
        assert_eq!(config["tabs"].as_array().map(Vec::len), Some(3));
        assert_eq!(config["placeholder"], "<token>");

        // The script that starts GraphiQL reaches only the page's own endpoint.
        let start = references.iter().find(|r| r.contains("/playground.") && r.ends_with(".js")).unwrap();
        let script = app.client.get(app.url(&format!("/{start}"))).send().await.unwrap().text().await.unwrap();
        assert!(!script.contains("http://") && !script.contains("https://"), "{script}");
        assert!(script.contains("JSON.parse(document.getElementById('playground-config').textContent)"));
    }
}

on_both! {
    /// Each file the page loads is served with its type, kept for a year
    /// (its name changes with its content), and answered 304 when the
    /// browser already has it.
    async fn each_playground_asset_is_kept_for_a_year_and_revalidated(app) {
        let html = page(&app).await.text().await.unwrap();
        for reference in references(&html) {
            let url = app.url(&format!("/{reference}"));
            let response = app.client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{reference}");
            let expected_type = match reference.rsplit('.').next() {
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                other => panic!("unexpected asset type {other:?}"),
            };
            assert_eq!(header(&response, CONTENT_TYPE), expected_type, "{reference}");
            assert_eq!(header(&response, CACHE_CONTROL), "public, max-age=31536000, immutable");
            assert_eq!(header(&response, X_CONTENT_TYPE_OPTIONS), "nosniff");
            let etag = header(&response, ETAG).to_owned();
            assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10, "a strong ETag: {etag}");
            let body = response.bytes().await.unwrap();
            assert!(!body.is_empty());
            // The versioned files are the npm packages' own, as vendored.
            if let Some(name) = reference.strip_prefix("graphql/assets/")
                && (name.starts_with("graphiql-") || name.starts_with("react"))
            {
                let vendored = std::fs::read(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/graphql/assets").join(name),
                )
                .unwrap();
                assert!(vendored == body, "{name} differs from the vendored file");
            }

            for asked in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}")] {
                let again = app.client.get(&url).header(IF_NONE_MATCH, &asked).send().await.unwrap();
                assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{reference} with {asked}");
                assert_eq!(header(&again, ETAG), etag);
                assert_eq!(header(&again, CACHE_CONTROL), "public, max-age=31536000, immutable");
                assert!(again.bytes().await.unwrap().is_empty());
            }
            let stale = app.client.get(&url).header(IF_NONE_MATCH, "\"stale\"").send().await.unwrap();
            assert_eq!(stale.status(), StatusCode::OK, "{reference}");
        }

        let unknown = app.client.get(app.url("/graphql/assets/graphiql-3.0.0.min.js")).send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }
}

on_both! {
    /// Browsers that ask for `/favicon.ico` get the playground's icon, not a 404.
    async fn browsers_asking_for_favicon_ico_get_the_icon(app) {
        let response = app.client.get(app.url("/favicon.ico")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_TYPE), "image/svg+xml");
        // Its name cannot change with it: kept a day, not a year.
        assert_eq!(header(&response, CACHE_CONTROL), "public, max-age=86400");
        let etag = header(&response, ETAG).to_owned();
        assert!(response.text().await.unwrap().starts_with("<svg"));
        let again = app.client.get(app.url("/favicon.ico")).header(IF_NONE_MATCH, &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}
