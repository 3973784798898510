//! The web page as served: `/` leads to it, every `/ui/…` address (deep links too) loads the
//! page under a strict Content-Security-Policy, and the first load stays under 200 kB. Its
//! behaviour in a browser is tested by tests/ui (headless Chromium, run by `.ci/run`).

use crate::server::*;

#[test]
fn the_page_is_served_for_every_ui_address() {
    let c = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &server().base;
    let r = c.get(format!("{base}/")).send().unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], "/ui/");
    for path in ["/ui/", "/ui/concept/sct/44054006", "/ui/validate"] {
        let r = c.get(format!("{base}{path}")).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        assert!(r.text().unwrap().contains("/ui/app.js"));
    }
    let js = c.get(format!("{base}/ui/app.js")).send().unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(concord::ui::first_load_bytes() < 200 * 1024);
}
