//! Markdown to HTML that is safe to put on a page. The body is the team's own text, but a
//! handbook is pasted from elsewhere and read by everyone, so nothing in it may run: raw HTML
//! (`<script>`, `<img onerror=…>`, `<a href="javascript:…">`) is shown as the text it is,
//! never passed through, and a link or image may point only to http(s), `mailto:` or a
//! relative address — any other scheme (`javascript:`, `data:`, `vbscript:`, …) becomes `#`.
//! Escaping of text and attributes is pulldown-cmark's own HTML writer.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Whether a link or image address may be followed: http(s), mailto, or relative (no scheme).
/// Browsers ignore tabs, newlines and leading spaces or control characters in a scheme, so
/// they are dropped before the scheme is read.
pub fn safe_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect();
    let lower = cleaned.to_ascii_lowercase();
    // A scheme is what comes before the first ':' if no '/', '?' or '#' comes first.
    let scheme_end = lower.find(':');
    let path_start = lower.find(['/', '?', '#']);
    match scheme_end {
        Some(i) if path_start.is_none_or(|p| i < p) => {
            matches!(&lower[..i], "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Text with every character that means something in HTML escaped (`&<>"'`).
fn escape_all(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn inert(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) { url } else { CowStr::Borrowed("#") }
}

/// The body as HTML: raw HTML escaped as text, unsafe addresses replaced, nothing else added.
pub fn render(body: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    let events = Parser::new_ext(body, opts).map(|ev| match ev {
        // Raw HTML is shown as what was typed: every markup character escaped, quotes too, so
        // not even its text reads as an attribute.
        Event::Html(s) | Event::InlineHtml(s) => Event::InlineHtml(escape_all(&s).into()),
        // A block of raw HTML becomes a paragraph of that text.
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: inert(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: inert(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The body as plain text for search and previews: the Markdown source itself, whose marks
/// are few and harmless to match against.
pub fn plain(title: &str, body: &str) -> String {
    format!("{title}\n{body}").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_unsafe_links_are_inert() {
        let html = render(
            "# 值班\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) \
             [y](data:text/html;base64,PHNjcmlwdD4=) [z](JaVaScRiPt:alert(1)) [w]( java\tscript:alert(1))\n\n\
             <a href=\"javascript:alert(2)\">a</a> ![i](vbscript:x) <javascript:alert(3)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img src=\"x"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(!html.to_lowercase().contains("href=\"javascript"), "{html}");
        assert!(!html.contains("href=\"data:"), "{html}");
        assert!(!html.contains("src=\"vbscript"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "shown as text: {html}");
        assert!(html.contains("<h1>值班</h1>"));
        assert!(html.contains("&lt;a href=&quot;javascript:alert(2)&quot;&gt;"), "{html}");
    }

    #[test]
    fn ordinary_links_stay() {
        let html = render("[a](https://example.org/x) [b](/handbook/2) [c](mailto:team@example.org) [d](#top)");
        assert!(html.contains("href=\"https://example.org/x\""));
        assert!(html.contains("href=\"/handbook/2\""));
        assert!(html.contains("href=\"mailto:team@example.org\""));
        assert!(html.contains("href=\"#top\""));
        assert!(safe_url("docs/a:b") && !safe_url(" javascript:x") && !safe_url("data:x"));
    }
}
