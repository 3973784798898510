//! Authentication and authorisation of API callers: OAuth2 bearer JWTs checked against a JWKS
//! (a file, or a URL such as Entra ID's `…/discovery/v2.0/keys`), then the caller's scopes
//! against what each operation requires. No HTTP types here: the `http` layer hands in the
//! `Authorization` header and the operation's name and turns an [`AuthError`] into a 401 or 403.
//! May use: nothing else of Concord.
//!
//! What is accepted, on purpose narrowly:
//! - signatures RS256, PS256 and ES256 only, so `alg: none` and symmetric algorithms (the
//!   "HS256 signed with the public key" confusion) never verify;
//! - `exp` required, `nbf` checked, both with a small leeway; `iss` and `aud` when configured;
//! - keys by `kid`; an unknown `kid` re-reads the JWKS once (key rotation), at most every
//!   [`REFRESH_EVERY`], so a flood of forged `kid`s cannot hammer the key endpoint.
//!
//! A token that verified is remembered until its `exp` (at most [`CACHE_SIZE`] of them) by the
//! worker thread that verified it: clients send the same token with every request for its
//! lifetime, and an RSA signature check costs far more than the lookup it guards. Each worker
//! keeps its own cache, so a hit takes no lock and touches no memory another worker writes (a
//! cache shared by the workers bounced its lock and the caller's reference count between their
//! caches on every request); a token costs one signature check per worker. The cache is keyed
//! by the whole token, so a hit compares it in full and a fast unkeyed hash is safe (a SHA-256
//! of every token cost more than a microsecond a request). The caches are emptied whenever the
//! key set is reloaded.
//!
//! Scopes: SMART backend-services scopes (`system/CodeSystem.read`, `system/*.read`, and the
//! SMART v2 `.rs` forms) in `scope`/`scp`, and Entra ID app roles (`roles`) and delegated scopes
//! (`scp`), all read as one set of grants. [`ScopeRules`] says which grants each operation needs.

mod scopes;

pub use scopes::ScopeRules;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The signature algorithms accepted.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256];

/// The shortest time between two JWKS reloads for an unknown `kid`.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// Clock skew allowed on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// Verified tokens remembered at once (the cache starts over when full).
pub const CACHE_SIZE: usize = 8192;

/// What the server is told to trust.
#[derive(Debug, Clone)]
pub struct Config {
    /// JWKS file path or `http(s)://` URL.
    pub jwks: String,
    /// Required `iss`, when given.
    pub issuer: Option<String>,
    /// Required `aud`, when given.
    pub audience: Option<String>,
    /// Grants each operation needs.
    pub scopes: ScopeRules,
}

/// Who called, as the token says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Principal {
    /// `sub`.
    pub subject: Option<String>,
    /// The client application: `azp`, `client_id` or `appid` (Entra ID v1).
    pub client_id: Option<String>,
    /// Every grant: `scope`/`scp` words and `roles`.
    pub grants: Vec<String>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token (401).
    #[error("this server requires an OAuth2 bearer token (Authorization: Bearer …)")]
    Missing,
    /// A token that does not verify (401), and why.
    #[error("the bearer token was refused: {0}")]
    Invalid(String),
    /// A valid token without the grants the operation needs (403).
    #[error("the token does not grant {operation}: it needs one of {needed}")]
    Forbidden {
        /// The operation.
        operation: String,
        /// The grants that would do, comma separated.
        needed: String,
    },
}

impl AuthError {
    /// The RFC 6750 `error` code for `WWW-Authenticate`.
    pub fn bearer_error(&self) -> Option<&'static str> {
        match self {
            AuthError::Missing => None,
            AuthError::Invalid(_) => Some("invalid_token"),
            AuthError::Forbidden { .. } => Some("insufficient_scope"),
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    exp: Option<u64>,
    sub: Option<String>,
    azp: Option<String>,
    client_id: Option<String>,
    appid: Option<String>,
    scope: Option<String>,
    scp: Option<ScopeClaim>,
    #[serde(default)]
    roles: Vec<String>,
}

/// `scp` is a space separated string (Entra ID) or, in some issuers, an array.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

/// Verifies bearer tokens and checks grants.
pub struct Verifier {
    config: Config,
    keys: RwLock<Keys>,
    last_load: Mutex<Instant>,
    /// Which verifier a worker's cache ([`MINE`]) belongs to, and how many times verified
    /// tokens were forgotten (a key-set reload): a worker's cache from another verifier or an
    /// earlier generation is emptied before use.
    id: u64,
    generation: AtomicU64,
}

/// The tokens a worker has verified: the caller and the token's `exp`.
#[derive(Default)]
struct Mine {
    owner: u64,
    generation: u64,
    tokens: Verified,
}

thread_local! {
    static MINE: std::cell::RefCell<Mine> = std::cell::RefCell::default();
}

/// Verifier ids (from 1: a worker's cache starts owned by none).
static NEXT_VERIFIER: AtomicU64 = AtomicU64::new(1);

/// Verified tokens (whole) and who they are, until their `exp`.
type Verified = rustc_hash::FxHashMap<Box<str>, (Arc<Principal>, u64)>;

/// The key set, each key parsed once.
struct Keys(HashMap<String, DecodingKey>);

impl Keys {
    fn from_set(set: &JwkSet) -> Keys {
        Keys(
            set.keys
                .iter()
                .filter_map(|jwk| {
                    let kid = jwk.common.key_id.clone()?;
                    match DecodingKey::from_jwk(jwk) {
                        Ok(k) => Some((kid, k)),
                        Err(e) => {
                            tracing::warn!(%kid, error = %e, "JWKS key not usable; skipped");
                            None
                        }
                    }
                })
                .collect(),
        )
    }
}

impl Verifier {
    /// Loads the JWKS (failing when it cannot be read or holds no usable key).
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let keys = Keys::from_set(&load_jwks(&config.jwks)?);
        anyhow::ensure!(
            !keys.0.is_empty(),
            "{} holds no usable RSA or EC key",
            config.jwks
        );
        Ok(Verifier {
            config,
            keys: RwLock::new(keys),
            last_load: Mutex::new(Instant::now()),
            id: NEXT_VERIFIER.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Checks the `Authorization` header value and returns the caller (shared: a remembered
    /// token hands out the same caller to every request it comes with).
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Arc<Principal>, AuthError> {
        let header = authorization.ok_or(AuthError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let now = jsonwebtoken::get_current_timestamp();
        let generation = self.generation.load(Ordering::Acquire);
        let mine = MINE.with_borrow_mut(|m| {
            if m.owner != self.id || m.generation != generation {
                m.tokens.clear();
                m.owner = self.id;
                m.generation = generation;
            }
            m.tokens
                .get(token)
                .filter(|(_, exp)| now <= exp + LEEWAY_SECONDS)
                .map(|(who, _)| who.clone())
        });
        if let Some(who) = mine {
            return Ok(who);
        }
        let (who, exp) = self.verify(token)?;
        MINE.with_borrow_mut(|m| {
            if m.tokens.len() >= CACHE_SIZE {
                m.tokens.clear();
            }
            m.tokens.insert(token.into(), (who.clone(), exp));
        });
        Ok(who)
    }

    /// Verifies a token in full (signature, claims): the caller and the token's `exp` (which
    /// the validation requires; 0, never a cache hit, if it were missing).
    fn verify(&self, token: &str) -> Result<(Arc<Principal>, u64), AuthError> {
        let head = jsonwebtoken::decode_header(token)
            .map_err(|e| AuthError::Invalid(format!("not a JWT: {e}")))?;
        if !ALGORITHMS.contains(&head.alg) {
            return Err(AuthError::Invalid(format!(
                "algorithm {:?} is not accepted (RS256, PS256 or ES256)",
                head.alg
            )));
        }
        let kid = head
            .kid
            .ok_or_else(|| AuthError::Invalid("the token names no key (kid)".into()))?;
        let key = match self.key(&kid)? {
            Some(k) => k,
            None => {
                self.refresh();
                self.key(&kid)?.ok_or_else(|| {
                    AuthError::Invalid(format!("key '{kid}' is not in the trusted key set"))
                })?
            }
        };
        let mut v = Validation::new(head.alg);
        v.algorithms = vec![head.alg];
        v.leeway = LEEWAY_SECONDS;
        v.validate_nbf = true;
        let mut required = vec!["exp"];
        match &self.config.issuer {
            Some(i) => {
                v.set_issuer(&[i]);
                required.push("iss");
            }
            None => v.iss = None,
        }
        match &self.config.audience {
            Some(a) => {
                v.set_audience(&[a]);
                required.push("aud");
            }
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&required);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            AuthError::Invalid(match e.kind() {
                K::ExpiredSignature => "the token has expired".into(),
                K::ImmatureSignature => "the token is not valid yet (nbf)".into(),
                K::InvalidIssuer => "the token is from another issuer".into(),
                K::InvalidAudience => "the token is for another audience".into(),
                K::InvalidSignature => "the signature does not verify".into(),
                K::MissingRequiredClaim(c) => format!("the token has no '{c}' claim"),
                other => format!("{other:?}"),
            })
        })?;
        let c = data.claims;
        let mut grants: Vec<String> = Vec::new();
        if let Some(s) = &c.scope {
            grants.extend(s.split_whitespace().map(str::to_string));
        }
        match c.scp {
            Some(ScopeClaim::Text(s)) => grants.extend(s.split_whitespace().map(str::to_string)),
            Some(ScopeClaim::List(l)) => grants.extend(l),
            None => {}
        }
        grants.extend(c.roles);
        let who = Arc::new(Principal {
            subject: c.sub,
            client_id: c.azp.or(c.client_id).or(c.appid),
            grants,
        });
        Ok((who, c.exp.unwrap_or(0)))
    }

    /// Checks that `who` may run `operation` (a name from [`ScopeRules`]).
    pub fn authorize(&self, who: &Principal, operation: &str) -> Result<(), AuthError> {
        self.config.scopes.check(&who.grants, operation)
    }

    fn key(&self, kid: &str) -> Result<Option<DecodingKey>, AuthError> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        Ok(keys.0.get(kid).cloned())
    }

    /// Re-reads the JWKS (rotation), unless it was read within [`REFRESH_EVERY`]. A failed
    /// read keeps the keys already held.
    fn refresh(&self) {
        {
            let mut last = self.last_load.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < REFRESH_EVERY {
                return;
            }
            *last = Instant::now();
        }
        match load_jwks(&self.config.jwks) {
            Ok(k) => {
                tracing::info!(jwks = %self.config.jwks, keys = k.keys.len(), "JWKS reloaded");
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Keys::from_set(&k);
                // A key may have been withdrawn: tokens it signed must verify again, so every
                // worker's cache is emptied.
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            Err(e) => tracing::warn!(jwks = %self.config.jwks, error = %e, "JWKS reload failed"),
        }
    }

    /// Forgets when the keys were last read (tests of rotation).
    pub fn allow_refresh_now(&self) {
        *self.last_load.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now() - REFRESH_EVERY;
    }
}

/// Reads a JWKS from a file or an `http(s)://` URL.
fn load_jwks(source: &str) -> anyhow::Result<JwkSet> {
    use anyhow::Context;
    let text = if source.starts_with("https://") || source.starts_with("http://") {
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .build(),
        );
        agent
            .get(source)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .with_context(|| format!("fetching the JWKS from {source}"))?
    } else {
        std::fs::read_to_string(source)
            .with_context(|| format!("reading the JWKS file {source}"))?
    };
    let set: JwkSet = serde_json::from_str(&text)
        .with_context(|| format!("{source} is not a JWKS (JSON Web Key Set)"))?;
    anyhow::ensure!(
        set.keys.iter().any(|k| k.common.key_id.is_some()),
        "{source} holds no key with a 'kid'"
    );
    Ok(set)
}
