//! The example pages for partners, as `hubgraph serve` hands them to a
//! browser: HTML at the directory URLs, the components as JavaScript that
//! other sites may load, and nothing else.

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};

use crate::helpers::{Backend, TestApp, spawn_app_with};

async fn app() -> TestApp {
    spawn_app_with(Backend::Sqlite, false).await.expect("app")
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs a path; returns the status, the content type and the body.
async fn get(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let response = no_redirects().get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// The `src` of every `<script type="module">` on a page.
fn module_scripts(html: &str) -> Vec<&str> {
    html.split("<script type=\"module\" src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[tokio::test]
async fn both_pages_are_served_as_html_with_their_scripts_as_javascript() {
    let app = app().await;
    for (page, element) in [
        ("/examples/service-finder/", "<service-finder"),
        ("/examples/hub-dashboard/", "<hub-dashboard"),
    ] {
        let (status, content_type, html) = get(&app, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(content_type, "text/html; charset=utf-8", "{page}");
        assert!(html.contains(element), "{page} holds {element}");
        let scripts = module_scripts(&html);
        assert_eq!(scripts.len(), 1, "{page} loads one component: {scripts:?}");
        for script in scripts {
            let (status, content_type, js) = get(&app, &format!("{page}{script}")).await;
            assert_eq!(status, StatusCode::OK, "{page}{script}");
            assert_eq!(content_type, "text/javascript; charset=utf-8", "{page}{script}");
            assert!(js.contains("customElements.define"), "{script} defines its element");
            // The modules it imports, one level down (they import only
            // each other), are served beside it.
            for module in js.split("from \"./").skip(1).filter_map(|rest| rest.split('"').next()) {
                let (status, content_type, _) = get(&app, &format!("{page}{module}")).await;
                assert_eq!(status, StatusCode::OK, "{page}{module}");
                assert_eq!(content_type, "text/javascript; charset=utf-8", "{page}{module}");
            }
        }
    }
    let (status, content_type, index) = get(&app, "/examples/").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "text/html; charset=utf-8")
    );
    assert!(index.contains("service-finder/") && index.contains("hub-dashboard/"));
}

#[tokio::test]
async fn other_sites_may_embed_the_components_but_not_frame_the_pages() {
    let app = app().await;
    let script = no_redirects()
        .get(app.url("/examples/service-finder/service-finder.js"))
        .header("origin", "https://library.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(script.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let page = no_redirects()
        .get(app.url("/examples/hub-dashboard/"))
        .send()
        .await
        .unwrap();
    let policy = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
}

#[tokio::test]
async fn directory_urls_without_a_slash_redirect_and_unknown_files_are_404() {
    let app = app().await;
    for (path, to) in [
        ("/examples", "/examples/"),
        ("/examples/service-finder", "/examples/service-finder/"),
        ("/examples/hub-dashboard", "/examples/hub-dashboard/"),
    ] {
        let response = no_redirects().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(response.headers()[LOCATION], to, "{path}");
    }
    for path in [
        "/examples/service-finder/missing.js",
        "/examples/../Cargo.toml",
        "/examples/service-finder/index.html/",
    ] {
        let (status, ..) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
