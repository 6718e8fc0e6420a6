//! The GLOBUS_SDK_* environment variables. The environment is process-wide and the other
//! tests of this binary run on other threads, so the checks run in a child process of this
//! binary that runs only them.

use std::time::Duration;

use globus_sdk::ErrorKind;
use globus_sdk::config::{Config, Environment, TlsVerification};

fn set(k: &str, v: Option<&str>) {
    // SAFETY: `in_a_child_process` runs alone in its own process (see `environment_variables`),
    // on one thread: nothing else reads the environment concurrently.
    unsafe {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
}

#[test]
fn environment_variables_behave_as_in_the_python_sdk() {
    crate::common::run_alone("config_env::in_a_child_process");
}

#[test]
#[ignore = "runs in its own process, started by environment_variables_behave_as_in_the_python_sdk"]
fn in_a_child_process() {
    crate::common::assert_alone("config_env::in_a_child_process");
    for k in
        ["GLOBUS_SDK_ENVIRONMENT", "GLOBUS_SDK_HTTP_TIMEOUT", "GLOBUS_SDK_VERIFY_SSL", "GLOBUS_SDK_SERVICE_URL_AUTH"]
    {
        set(k, None);
    }
    let c = Config::new();
    assert_eq!(c.resolved_environment().unwrap(), Environment::Production);
    assert_eq!(c.resolved_timeout().unwrap(), Some(Duration::from_secs(60)));
    assert_eq!(c.resolved_tls().unwrap(), TlsVerification::Enabled);

    set("GLOBUS_SDK_ENVIRONMENT", Some("preview"));
    assert_eq!(Config::new().service_url("auth").unwrap().as_str(), "https://auth.preview.globus.org/");
    let auth = globus_sdk::auth::Client::builder().build().unwrap();
    assert_eq!(auth.base_url(), "https://auth.preview.globus.org");
    // Explicit settings win over the environment.
    assert_eq!(Config::new().environment(Environment::Sandbox).resolved_environment().unwrap(), Environment::Sandbox);
    set("GLOBUS_SDK_ENVIRONMENT", Some("nowhere"));
    let e = Config::new().resolved_environment().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("GLOBUS_SDK_ENVIRONMENT"), "{e}");
    assert!(globus_sdk::auth::Client::builder().build().is_err());
    set("GLOBUS_SDK_ENVIRONMENT", None);

    set("GLOBUS_SDK_SERVICE_URL_AUTH", Some("http://127.0.0.1:8123"));
    assert_eq!(globus_sdk::auth::Client::builder().build().unwrap().base_url(), "http://127.0.0.1:8123");
    assert_eq!(
        globus_sdk::auth::Client::builder().base_url("http://127.0.0.1:9/").build().unwrap().base_url(),
        "http://127.0.0.1:9",
        "an explicit base URL wins"
    );
    set("GLOBUS_SDK_SERVICE_URL_AUTH", None);

    set("GLOBUS_SDK_HTTP_TIMEOUT", Some("-1"));
    assert_eq!(Config::new().resolved_timeout().unwrap(), None);
    set("GLOBUS_SDK_HTTP_TIMEOUT", Some("2.5"));
    assert_eq!(Config::new().resolved_timeout().unwrap(), Some(Duration::from_millis(2500)));
    assert_eq!(
        Config::new().timeout(Some(Duration::from_secs(1))).resolved_timeout().unwrap(),
        Some(Duration::from_secs(1))
    );
    set("GLOBUS_SDK_HTTP_TIMEOUT", Some("soon"));
    assert!(Config::new().resolved_timeout().unwrap_err().to_string().contains("GLOBUS_SDK_HTTP_TIMEOUT"));
    set("GLOBUS_SDK_HTTP_TIMEOUT", None);

    for (v, want) in
        [("false", TlsVerification::Disabled), ("0", TlsVerification::Disabled), ("yes", TlsVerification::Enabled)]
    {
        set("GLOBUS_SDK_VERIFY_SSL", Some(v));
        assert_eq!(Config::new().resolved_tls().unwrap(), want, "{v}");
    }
    let bundle = std::env::temp_dir().join(format!("globus-sdk-test-ca-{}.pem", std::process::id()));
    std::fs::write(&bundle, "not a real bundle").unwrap();
    set("GLOBUS_SDK_VERIFY_SSL", Some(bundle.to_str().unwrap()));
    assert_eq!(Config::new().resolved_tls().unwrap(), TlsVerification::CaBundle(bundle.clone()));
    assert!(globus_sdk::auth::Client::builder().build().is_err(), "an unreadable bundle is a build error");
    std::fs::remove_file(&bundle).unwrap();
    set("GLOBUS_SDK_VERIFY_SSL", Some("/no/such/file"));
    assert!(Config::new().resolved_tls().unwrap_err().to_string().contains("GLOBUS_SDK_VERIFY_SSL"));
    set("GLOBUS_SDK_VERIFY_SSL", None);
    // Any number is a timeout or none, never a panic.
    set("GLOBUS_SDK_HTTP_TIMEOUT", Some("1e20"));
    assert_eq!(Config::new().resolved_timeout().unwrap(), None, "too long for a Duration: no timeout");
    globus_sdk::auth::Client::builder().build().unwrap();
    set("GLOBUS_SDK_HTTP_TIMEOUT", Some("1e-300"));
    assert!(Config::new().resolved_timeout().is_ok());
    set("GLOBUS_SDK_HTTP_TIMEOUT", None);
}
