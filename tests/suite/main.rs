//! The integration tests, in one binary: each module links the generated clients once
//! instead of once per test file (on a 2-core machine that is most of the build).

#[path = "../../build.rs"]
#[allow(dead_code)]
mod pipeline;

mod common;

mod app;
mod auth_login;
mod authorizers;
mod compute;
mod config_env;
mod conformance;
mod errors;
mod flows;
mod fuzz;
mod gcs;
mod generated_code;
mod groups;
mod limits;
mod local_acls;
mod local_auth;
mod local_binary;
mod local_bookmarks;
mod local_compute;
mod local_e2e;
mod local_faults;
mod local_flows;
mod local_gcs;
mod local_groups;
mod local_hostile;
mod local_login;
mod local_managed;
mod local_python;
mod local_routes;
mod local_search;
mod local_timers;
mod local_transfer;
mod log_secrecy;
mod paging;
mod python_parity;
mod retries;
mod search;
mod services;
mod shared_http;
mod spec_pipeline;
mod timers;
mod token_storage;
mod transfer;
