//! The harness tests itself: deliberately broken pages, served by a throwaway HTTP server in
//! this process, must fail the page checks, and a clean page must pass them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::harness::{self, Browser, Chromedriver, Size, checks};

const HEAD: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Self-test</title></head><body><main><h1>Self-test</h1>"#;
const TAIL: &str = "</main></body></html>";

/// (path, status, body)
fn page(path: &str) -> (u16, String) {
    let body = match path {
        "/clean" => r#"<p>All fine.</p><label for="n">Name</label><input id="n" name="n">"#,
        "/console-error" => r#"<p>Logs an error.</p><script>console.error("deliberate console error");</script>"#,
        "/throws" => r#"<p>Throws.</p><script>throw new Error("deliberate uncaught error");</script>"#,
        "/missing-script" => r#"<p>Loads a script that is not there.</p><script src="/nope.js"></script>"#,
        "/unlabelled" => r#"<p>A field nobody can name.</p><input type="text" name="q">"#,
        "/no-alt" => r#"<p>An image without alt.</p><img src="/pixel.svg" width="10" height="10">"#,
        "/server-error" => "<p>Something broke.</p>",
        "/not-found" => "<p>No such page (an expected 404 is not a console error).</p>",
        "/pixel.svg" => {
            return (
                200,
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#
                    .to_owned(),
            );
        }
        _ => return (404, String::new()),
    };
    let status = match path {
        "/server-error" => 500,
        "/not-found" => 404,
        _ => 200,
    };
    (status, format!("{HEAD}{body}{TAIL}"))
}

/// A tiny HTTP/1.1 server on loopback for the pages above; returns its base URL.
async fn serve_broken_pages() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = page(&path);
                let kind = if path.ends_with(".svg") { "image/svg+xml" } else { "text/html; charset=utf-8" };
                let res = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(res.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    base
}

pub async fn run() {
    let _one = harness::exclusive().await;
    let Some(tools) = harness::tools() else { return };
    let base = serve_broken_pages().await;
    let driver = Chromedriver::start(tools).await.expect("chromedriver");
    let b = Browser::open(&driver.url, tools, Size::Phone, &base, None).await.expect("browser");

    let mut wrong = Vec::new();
    // (path, a problem must mention this; "" = the page must pass)
    let cases = [
        ("/clean", ""),
        ("/not-found", ""),
        ("/console-error", "deliberate console error"),
        ("/throws", "deliberate uncaught error"),
        ("/missing-script", "nope.js"),
        ("/unlabelled", "axe label"),
        ("/no-alt", "axe image-alt"),
        ("/server-error", "HTTP 500"),
    ];
    for (path, expect) in cases {
        b.client().goto(&b.url(path)).await.expect("goto");
        let (doc, problems) = checks::check_page(b.client(), &tools.axe).await.expect("checks ran");
        println!("self-test {path} (HTTP {}): {problems:?}", doc.status);
        let ok = if expect.is_empty() { problems.is_empty() } else { problems.iter().any(|p| p.contains(expect)) };
        if !ok {
            wrong.push(format!("{path}: expected {expect:?}, got {problems:?}"));
        }
    }
    // Through the journey API too: `settle` (which every action ends in) turns them into errors.
    if b.goto("/console-error").await.is_ok() {
        wrong.push("Browser::goto accepted a page with a console error".to_owned());
    }
    if b.goto("/unlabelled").await.is_ok() {
        wrong.push("Browser::goto accepted a page with a serious axe violation".to_owned());
    }
    if let Err(e) = b.goto("/clean").await {
        wrong.push(format!("Browser::goto rejected a clean page: {e}"));
    }
    b.close().await;
    assert!(wrong.is_empty(), "the e2e checks missed broken pages:\n  {}", wrong.join("\n  "));
}
