//! A GCS-shaped service (`specs/testing/gcs_shapes.yaml`, feature `testing`): a few manager
//! operations shaped as Globus Connect Server sends them, proving the pipeline's GCS
//! conventions before the GCS spec lands:
//! - the `result#1.0.0` envelope: single-object operations return the object
//!   ([`crate::envelope::Single`]), listings page over `data` (`marker_has_next` paging);
//! - versioned documents: the request builder fills `DATA_TYPE` (`collection#1.10.0`);
//! - a base URL per client (each endpoint has its own manager URL): building a client without
//!   one is an error;
//! - scopes per endpoint and collection ([`crate::scopes::gcs`]);
//! - GCS's error format (`code`, `message`, and `detail` as text or a typed document).

crate::transport::service! {
    name: "gcs_shapes",
    feature: "testing",
    resource_server: None,
    base_url: PerClient,
    default_scopes: Vec::new,
    hooks: crate::transport::Hooks { retry_veto: None, error_format: Some(error_format) },
}

/// GCS errors: `code`, then `message`, else `detail` when it is text; a `detail` document is
/// named by its `DATA_TYPE` (`authentication_timeout#1.1.0`...).
fn error_format(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let text = |key: &str| body.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string);
    let code = text("code");
    let message = text("message").or_else(|| text("detail")).or_else(|| {
        let kind = body.get("detail")?.get("DATA_TYPE")?.as_str()?;
        Some(format!("the service sent a `{kind}` document with the error"))
    });
    (code, message)
}
