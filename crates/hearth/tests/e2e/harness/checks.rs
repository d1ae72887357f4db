//! The checks every visited page must pass. Each returns the problems it found (empty = fine),
//! so the harness self-test can call them on deliberately broken pages.

use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::Value as Json;

use super::Res;

/// The document the browser shows: its URL and the HTTP status it was served with
/// (Navigation Timing `responseStatus`; 0 when unknown, e.g. `about:blank`).
#[derive(Clone, Debug)]
pub struct Doc {
    pub url: String,
    pub status: u16,
}

pub async fn document(client: &Client) -> Res<Doc> {
    let v = client
        .execute(
            "var n = performance.getEntriesByType('navigation')[0];\
             return [n ? n.name : location.href, n ? (n.responseStatus || 0) : 0];",
            vec![],
        )
        .await?;
    Ok(Doc {
        url: v[0].as_str().unwrap_or_default().to_owned(),
        status: u16::try_from(v[1].as_u64().unwrap_or(0)).unwrap_or(0),
    })
}

/// A 5xx document is a failure, whatever the journey expected.
pub fn status_problems(doc: &Doc) -> Vec<String> {
    if doc.status >= 500 { vec![format!("HTTP {} for {}", doc.status, doc.url)] } else { vec![] }
}

/// `POST /session/{id}/se/log` `{"type": "browser"}`: chromedriver's browser log (console
/// messages, uncaught exceptions, CSP violations, failed loads) since the last call. Needs the
/// `goog:loggingPrefs` capability (set by the harness).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// Console errors logged since the last call. A 4xx answer for the document itself (a 404
/// page, a form re-shown with 422) is an expected outcome the journey asserts on, not a
/// console error; a 4xx for anything the page loads (a script, a stylesheet, an htmx call) is.
/// Chromium's own request for `/favicon.ico` is not the page's doing and is ignored.
pub async fn console_errors(client: &Client, doc: &Doc) -> Res<Vec<String>> {
    let entries = client.issue_cmd(BrowserLog).await?;
    let doc_url = doc.url.split('#').next().unwrap_or_default();
    let own_4xx = format!("{doc_url} - Failed to load resource: the server responded with a status of 4");
    let mut out = Vec::new();
    for e in entries.as_array().map(Vec::as_slice).unwrap_or_default() {
        if e["level"].as_str() != Some("SEVERE") {
            continue;
        }
        let message = e["message"].as_str().unwrap_or_default();
        let source = e["source"].as_str().unwrap_or_default();
        if source == "network" && (400..500).contains(&doc.status) && message.starts_with(&own_4xx) {
            continue;
        }
        // Chromium asks every origin for /favicon.ico on its own; the page did not.
        if source == "network"
            && message.contains("/favicon.ico - Failed to load resource: the server responded with a status of 404")
        {
            continue;
        }
        out.push(format!("console error ({source}): {message}"));
    }
    Ok(out)
}

/// Runs axe-core (injected once per document) and returns the violations of impact "serious"
/// or "critical", each with its rule id, help text and up to five offending nodes.
pub async fn axe_violations(client: &Client, axe_source: &str) -> Res<Vec<String>> {
    let loaded = client.execute("return typeof window.axe === 'object';", vec![]).await?;
    if loaded != Json::Bool(true) {
        // Sent as script text (not a <script> element): WebDriver scripts are not subject to
        // the page's Content-Security-Policy, the page's own scripts are.
        client.execute(&format!("{axe_source}\n;return typeof window.axe;"), vec![]).await?;
    }
    let result = client
        .execute_async(
            r#"var done = arguments[arguments.length - 1];
            window.axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
              done(r.violations
                .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                .map(function (v) {
                  return {
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(function (n) {
                      return n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ');
                    }),
                    more: Math.max(0, v.nodes.length - 5)
                  };
                }));
            }, function (e) { done({ error: String(e) }); });"#,
            vec![],
        )
        .await?;
    if let Some(err) = result.get("error") {
        return Err(format!("axe.run failed: {err}").into());
    }
    let mut out = Vec::new();
    for v in result.as_array().map(Vec::as_slice).unwrap_or_default() {
        let mut s = format!(
            "axe {} [{}]: {}",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or("")
        );
        for n in v["nodes"].as_array().map(Vec::as_slice).unwrap_or_default() {
            s.push_str("\n      at ");
            s.push_str(n.as_str().unwrap_or(""));
        }
        if let Some(more) = v["more"].as_u64().filter(|m| *m > 0) {
            s.push_str(&format!("\n      … and {more} more nodes"));
        }
        out.push(s);
    }
    Ok(out)
}

/// All browser-side checks of the current document: status, console, axe.
pub async fn check_page(client: &Client, axe_source: &str) -> Res<(Doc, Vec<String>)> {
    let doc = document(client).await?;
    let mut problems = status_problems(&doc);
    problems.extend(console_errors(client, &doc).await?);
    problems.extend(axe_violations(client, axe_source).await?);
    problems.extend(too_wide(client).await?);
    Ok((doc, problems))
}

/// Every page works at 360 px: nothing makes the page scroll sideways. Names the elements
/// that reach past the viewport's right edge (a long phone number, a table that does not
/// stack), so the failure says what to fix.
pub async fn too_wide(client: &Client) -> Res<Vec<String>> {
    let script = "var w = document.documentElement.clientWidth;\
        if (document.documentElement.scrollWidth <= w + 1) { return []; }\
        var out = [];\
        document.querySelectorAll('body *').forEach(function (el) {\
          var r = el.getBoundingClientRect();\
          if (r.right > w + 1 && r.width > 0 && out.length < 5 && !el.closest('.sr-only')) {\
            var name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +\
              (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');\
            out.push(name + ' reaches ' + Math.round(r.right) + ' px of ' + w);\
          }\
        });\
        return out;";
    let found = client.execute(script, vec![]).await?;
    Ok(found
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(|s| format!("wider than the screen: {s}")))
        .collect())
}
