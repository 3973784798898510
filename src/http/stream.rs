//! NDJSON bulk streams: `POST /$validate-code` and `POST /$normalize` with an
//! `application/x-ndjson` (or `application/fhir+ndjson`) body answer one line per input line,
//! in order, as the lines arrive ([`crate::bulk::line`] says what a line is and what it gets).
//!
//! Back-pressure: the response stream reads the request body only when actix asks it for
//! more output, which it does only as the client takes what was written. Memory holds one
//! chunk of input and one batch of answers, whatever the body's size; a line longer than
//! [`MAX_LINE`] is answered as an error and skipped without being held.

use crate::bulk::line::{Job, MAX_LINE, answer_line, error_line};
use crate::http::release::Current;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

/// Route guard: the request body is NDJSON.
pub fn is_ndjson(ctx: &actix_web::guard::GuardContext) -> bool {
    has_ndjson_body(ctx.head().headers())
}

/// True when the `Content-Type` is `application/x-ndjson`, `application/ndjson` or
/// `application/fhir+ndjson`: a body read line by line, never buffered whole.
pub fn has_ndjson_body(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|ct| {
            let m = ct.split(';').next().unwrap_or("").trim();
            [
                "application/x-ndjson",
                "application/ndjson",
                "application/fhir+ndjson",
            ]
            .iter()
            .any(|t| m.eq_ignore_ascii_case(t))
        })
}

/// Answers at most this many bytes per poll, so a body of tiny lines is not answered in one
/// burst that the client has not asked for yet.
const BATCH_BYTES: usize = 64 * 1024;

struct State {
    payload: web::Payload,
    t: Current,
    job: Job,
    /// Bytes of the line being read.
    pending: Vec<u8>,
    /// Lines answered so far.
    line: u64,
    /// The current line overflowed [`MAX_LINE`]: skip to its end.
    skipping: bool,
    done: bool,
    failed: u64,
}

impl State {
    /// Answers every complete line in `chunk` (and in the bytes before it), appending to `out`.
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let (head, tail) = rest.split_at(nl);
            rest = &tail[1..];
            self.line += 1;
            if self.skipping {
                self.skipping = false;
                self.pending.clear();
                out.extend(error_line(
                    self.line,
                    "too-costly",
                    &format!("line longer than {MAX_LINE} bytes"),
                ));
                self.failed += 1;
                continue;
            }
            if self.pending.is_empty() {
                self.answer(head, out);
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(head);
                self.answer(&whole, out);
            }
        }
        if !rest.is_empty() && !self.skipping {
            if self.pending.len() + rest.len() > MAX_LINE {
                self.skipping = true;
                self.pending = Vec::new();
            } else {
                self.pending.extend_from_slice(rest);
            }
        }
    }

    fn answer(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            // A blank line (a trailing newline's neighbour) is not a unit; it keeps its number.
            return;
        }
        match answer_line(&self.t, self.job, self.line, line) {
            Ok(a) => out.extend(a),
            Err((a, _)) => {
                self.failed += 1;
                out.extend(a)
            }
        }
    }

    /// The last line, when the body does not end with a newline.
    fn finish(&mut self, out: &mut Vec<u8>) {
        if self.skipping {
            self.line += 1;
            out.extend(error_line(
                self.line,
                "too-costly",
                &format!("line longer than {MAX_LINE} bytes"),
            ));
            self.failed += 1;
        } else if !self.pending.is_empty() {
            self.line += 1;
            let last = std::mem::take(&mut self.pending);
            self.answer(&last, out);
        }
    }
}

/// Streams the answers to an NDJSON body.
pub async fn bulk(t: Current, req: HttpRequest, payload: web::Payload, job: Job) -> HttpResponse {
    let state = State {
        payload,
        t,
        job,
        pending: Vec::new(),
        line: 0,
        skipping: false,
        done: false,
        failed: 0,
    };
    let id = req
        .extensions()
        .get::<super::request::CorrelationId>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let body = futures_util::stream::unfold(state, move |mut s| {
        let id = id.clone();
        async move {
            if s.done {
                return None;
            }
            let mut out = Vec::new();
            while out.len() < BATCH_BYTES {
                match s.payload.next().await {
                    Some(Ok(chunk)) => s.feed(&chunk, &mut out),
                    Some(Err(e)) => {
                        // The body broke off: say so as the stream's last line.
                        s.line += 1;
                        out.extend(error_line(
                            s.line,
                            "incomplete",
                            &format!("the request body could not be read to its end: {e}"),
                        ));
                        s.done = true;
                        break;
                    }
                    None => {
                        s.finish(&mut out);
                        s.done = true;
                        tracing::info!(request_id = %id, lines = s.line, failed = s.failed, "bulk stream answered");
                        break;
                    }
                }
            }
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(out)), s))
        }
    });
    HttpResponse::Ok()
        .content_type("application/fhir+ndjson")
        .streaming(body)
}
