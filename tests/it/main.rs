//! Concord's one integration test binary (one link, shared helpers).
//!
//! Tests named `shared_*` read `../shared/data` and are `#[ignore]`d so the README test command
//! passes on a machine without it; `.ci/run` runs them with `--run-ignored all`, and they fail
//! (never skip) when the data is missing.

mod audit;
mod cli_bulk;
mod cli_ops;
mod common;
mod default_dataset;
mod fhir_validity;
mod http_api;
mod http_auth;
mod http_expand;
mod http_expression;
mod http_limits;
mod http_lookup;
mod http_normalize;
mod http_supplement;
mod http_translate;
mod http_validate;
mod import_bad_input;
mod import_fixtures;
mod layering;
mod release_fidelity;
mod reload;
mod search;
mod server;
mod shared_data;
mod shared_ecl;
mod shared_translate;
mod synth;
mod ui;
mod v2;
