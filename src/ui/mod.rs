//! The coders' web page: plain HTML, CSS and JavaScript embedded in the binary (no build step,
//! no CDN, works offline), served under `/ui/` by `http`. Every page is `index.html`; the
//! script routes on the address (`/ui/concept/sct/44054006`) and calls the server's own API
//! (`/search`, `$lookup`, `$validate-code`, `$translate`, the NDJSON streams).
//!
//! May use: nothing of Concord. `http` serves what [`asset`] returns.

/// The page every `/ui/…` address loads.
const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// The bytes and media type of a UI address (the part after `/ui/`): the script, the style
/// sheet, or the page for anything else (deep links are routed by the script).
pub fn asset(path: &str) -> (&'static str, &'static str) {
    match path {
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "app.css" => (STYLE, "text/css; charset=utf-8"),
        _ => (INDEX, "text/html; charset=utf-8"),
    }
}

/// The first load's size in bytes (page, script and style), kept under 200 kB by a test.
pub fn first_load_bytes() -> usize {
    INDEX.len() + SCRIPT.len() + STYLE.len()
}
