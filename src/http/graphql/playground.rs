//! The GraphiQL playground: GraphiQL 4 from its CDN, opening on three
//! example tabs (a partner's service search, an HSCP's hub dashboard, a
//! pathway lookup) with the headers editor showing where a token goes.
//!
//! async-graphql's `GraphiQLSource` has no way to set default tabs or
//! headers, hence this page. The example queries live in `playground/` and
//! are the developer guide's own examples: the guide's tests run them
//! against the demo data and check the guide quotes them.

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

/// The playground's HTML page.
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
    include_str!("playground.html").replace("__PLAYGROUND_CONFIG__", &config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_every_tab_and_no_raw_angle_bracket_in_its_script() {
        let page = page();
        let script = page
            .split("const config = ")
            .nth(1)
            .and_then(|rest| rest.split(";\n").next())
            .expect("the config in the page");
        let config: serde_json::Value = serde_json::from_str(script).expect("the config is JSON");
        assert_eq!(config["tabs"].as_array().map(Vec::len), Some(TABS.len()));
        assert_eq!(config["defaultQuery"], TABS[0].query);
        assert_eq!(config["tabs"][1]["headers"], headers_template());
        assert!(!script.contains('<'), "a raw < could end the script element");
    }
}
