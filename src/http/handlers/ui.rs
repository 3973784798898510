//! The coders' web page (`/ui/…`, embedded by [`crate::ui`]); `/` leads there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// `GET /ui/{tail}`: the script, the style sheet, or the page (deep links route in the page).
pub async fn ui(req: HttpRequest) -> HttpResponse {
    let tail = req.match_info().get("tail").unwrap_or("");
    let (body, content_type) = crate::ui::asset(tail);
    HttpResponse::Ok()
        .content_type(content_type)
        // Only this server's own script, style and API: no inline code, no third parties.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// `GET /`: the web page.
pub async fn root() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/ui/"))
        .finish()
}
