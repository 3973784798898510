//! Authentication over HTTP: a server started with a JWKS (the test keys in
//! `tests/fixtures/auth`) refuses every kind of bad token with 401 and a `WWW-Authenticate`
//! challenge, refuses a token without the operation's grant with 403, both as OperationOutcome,
//! and serves good tokens (RS256, PS256, ES256; SMART scopes and Entra ID roles).

use crate::common::*;
use crate::server::*;
use concord::auth::{Config, ScopeRules, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

const ISS: &str = "https://login.example.org/tenant/v2.0";
const AUD: &str = "api://concord";

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("auth/{name}"))).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A server over the fixture data with authentication on, and its verifier (for rotation).
struct AuthServer {
    base: String,
    verifier: Arc<Verifier>,
    jwks: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn auth_server() -> &'static AuthServer {
    static S: OnceLock<AuthServer> = OnceLock::new();
    S.get_or_init(new_auth_server)
}

/// A server of its own, for a test that changes its key set.
fn new_auth_server() -> AuthServer {
    let dir = icd10cm_mini_data();
    let jwks = dir.path().join("jwks.json");
    std::fs::copy(fixture("auth/jwks.json"), &jwks).unwrap();
    let verifier = Arc::new(
        Verifier::new(Config {
            jwks: jwks.to_str().unwrap().to_string(),
            issuer: Some(ISS.into()),
            audience: Some(AUD.into()),
            scopes: ScopeRules::parse(&["search=Terminology.Search".into()]).unwrap(),
        })
        .unwrap(),
    );
    let t = concord::cli::open(dir.path(), "en-US").unwrap();
    let base = start_with(
        t,
        concord::http::Options {
            auth: Some(verifier.clone()),
            ..Default::default()
        },
    );
    AuthServer {
        base,
        verifier,
        jwks,
        _dir: dir,
    }
}

fn claims(extra: Value) -> Value {
    let mut c = json!({"iss": ISS, "aud": AUD, "sub": "svc-1", "azp": "client-1",
        "exp": now() + 300, "scope": "system/CodeSystem.read"});
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

fn token(alg: Algorithm, kid: &str, key_pem: &str, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&key_file(key_pem)).unwrap(),
        _ => EncodingKey::from_rsa_pem(&key_file(key_pem)).unwrap(),
    };
    encode(&h, claims, &key).unwrap()
}

fn rsa(claims: &Value) -> String {
    token(Algorithm::RS256, "test-rsa", "rsa-private.pem", claims)
}

const LOOKUP: &str = "/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9";

fn call(path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    call_at(auth_server(), path, token)
}

fn call_at(s: &AuthServer, path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut r = client().get(format!("{}{path}", s.base));
    if let Some(t) = token {
        r = r.header("Authorization", format!("Bearer {t}"));
    }
    let r = r.send().unwrap();
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|h| h.to_str().unwrap().to_string());
    let body = r.json().unwrap_or(Value::Null);
    (status, challenge, body)
}

fn refused(token: &str, fragment: &str) {
    let (s, challenge, body) = call(LOOKUP, Some(token));
    assert_eq!(s, 401, "{body}");
    let challenge = challenge.expect("WWW-Authenticate");
    assert!(
        challenge.starts_with("Bearer realm=\"concord\", error=\"invalid_token\""),
        "{challenge}"
    );
    assert_eq!(body["resourceType"], "OperationOutcome");
    assert_eq!(body["issue"][0]["code"], "login");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(text.contains(fragment), "{text} lacks {fragment}");
}

#[test]
fn good_tokens_are_served_with_each_algorithm() {
    let c = claims(json!({}));
    for t in [
        rsa(&c),
        token(Algorithm::PS256, "test-rsa", "rsa-private.pem", &c),
        token(Algorithm::ES256, "test-ec", "ec-private.pem", &c),
    ] {
        let (s, _, body) = call(LOOKUP, Some(&t));
        assert_eq!(s, 200, "{body}");
    }
    // Public paths need no token; the CapabilityStatement says how to authenticate.
    let (s, _, cap) = call("/metadata", None);
    assert_eq!(s, 200);
    let security = &cap["rest"][0]["security"];
    assert_eq!(
        security["service"][0]["coding"][0]["code"], "OAuth",
        "{cap}"
    );
    assert!(security["description"].as_str().unwrap().contains("issuer"));
    assert_eq!(call("/healthz", None).0, 200);
}

#[test]
fn missing_and_bad_tokens_get_401_with_a_challenge() {
    let (s, challenge, body) = call(LOOKUP, None);
    assert_eq!(s, 401, "{body}");
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"concord\""));
    refused(&rsa(&claims(json!({"exp": now() - 3600}))), "expired");
    refused(&rsa(&claims(json!({"nbf": now() + 3600}))), "not valid yet");
    refused(
        &rsa(&claims(json!({"iss": "https://evil.example"}))),
        "another issuer",
    );
    refused(
        &rsa(&claims(json!({"aud": "api://other"}))),
        "another audience",
    );
    refused(&rsa(&claims(json!({"exp": null}))), "'exp'");
    // Signed with a key the server does not trust, under a trusted kid: forged.
    refused(
        &token(
            Algorithm::RS256,
            "test-rsa",
            "other-rsa-private.pem",
            &claims(json!({})),
        ),
        "signature",
    );
    // A kid the key set does not have.
    refused(
        &token(
            Algorithm::RS256,
            "nobody",
            "other-rsa-private.pem",
            &claims(json!({})),
        ),
        "not in the trusted key set",
    );
    // alg none, and HS256 "signed" with the server's public key (key confusion).
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "test-rsa", "typ": "JWT"})),
        b64(&claims(json!({})))
    );
    refused(&none, "not a JWT");
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("test-rsa".into());
    let confused = encode(
        &h,
        &claims(json!({})),
        &EncodingKey::from_secret(&key_file("rsa-public.pem")),
    )
    .unwrap();
    refused(&confused, "is not accepted");
    refused("not-a-token", "not a JWT");
}

#[test]
fn each_operation_needs_its_grant() {
    // A ValueSet grant does not open CodeSystem operations: 403, as an OperationOutcome.
    let vs_only = rsa(&claims(json!({"scope": "system/ValueSet.read"})));
    let (s, challenge, body) = call(LOOKUP, Some(&vs_only));
    assert_eq!(s, 403, "{body}");
    assert!(challenge.unwrap().contains("insufficient_scope"));
    assert_eq!(body["issue"][0]["code"], "forbidden");
    assert!(
        body["issue"][0]["details"]["text"]
            .as_str()
            .unwrap()
            .contains("system/CodeSystem.read")
    );
    let (s, _, _) = call(
        "/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs&count=1",
        Some(&vs_only),
    );
    assert_eq!(s, 200);
    // SMART wildcard, and Entra ID shapes: `scp` words and `roles`.
    let all = rsa(&claims(json!({"scope": null, "scp": "system/*.read"})));
    assert_eq!(call(LOOKUP, Some(&all)).0, 200);
    // The search rule was replaced by an app role.
    let search = "/search?q=diabetes&system=icd10cm";
    assert_eq!(call(search, Some(&all)).0, 403);
    let role = rsa(&claims(json!({"roles": ["Terminology.Search"]})));
    assert_eq!(call(search, Some(&role)).0, 200);
}

#[test]
fn an_unknown_kid_reloads_the_key_set_once_rotated() {
    let s = auth_server();
    let rotated = token(
        Algorithm::RS256,
        "rotated",
        "rotated-rsa-private.pem",
        &claims(json!({})),
    );
    // Not trusted yet.
    assert_eq!(call(LOOKUP, Some(&rotated)).0, 401);
    // The identity provider rotates its keys; the server re-reads the set for the new kid.
    std::fs::copy(fixture("auth/jwks-rotated.json"), &s.jwks).unwrap();
    s.verifier.allow_refresh_now();
    assert_eq!(call(LOOKUP, Some(&rotated)).0, 200);
    // The old key still works.
    assert_eq!(call(LOOKUP, Some(&rsa(&claims(json!({}))))).0, 200);
}

/// A key withdrawn from the set: once the set is re-read, tokens it signed are refused, though
/// every worker had remembered them as verified.
#[test]
fn a_withdrawn_keys_tokens_are_refused_once_the_key_set_is_reread() {
    let s = new_auth_server();
    let old = rsa(&claims(json!({})));
    for _ in 0..16 {
        assert_eq!(call_at(&s, LOOKUP, Some(&old)).0, 200);
    }
    let mut set: Value =
        serde_json::from_slice(&std::fs::read(fixture("auth/jwks-rotated.json")).unwrap()).unwrap();
    set["keys"]
        .as_array_mut()
        .unwrap()
        .retain(|k| k["kid"] != "test-rsa");
    std::fs::write(&s.jwks, set.to_string()).unwrap();
    s.verifier.allow_refresh_now();
    let rotated = token(
        Algorithm::RS256,
        "rotated",
        "rotated-rsa-private.pem",
        &claims(json!({})),
    );
    assert_eq!(call_at(&s, LOOKUP, Some(&rotated)).0, 200);
    for _ in 0..16 {
        assert_eq!(call_at(&s, LOOKUP, Some(&old)).0, 401);
    }
}
