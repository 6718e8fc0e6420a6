//! Globus Transfer: the generated client for every Transfer operation, and the hand-written
//! layer for submitting work ([`TransferData`], [`DeleteData`], [`Client::submit_transfer`]
//! and [`Client::submit_delete`], safe to resend), waiting and progress
//! ([`Client::task_wait`], [`Client::task_progress`], [`types::Task::is_finished`]...); every
//! listing pages as a stream (`transfer.task_list().into_stream()`, see [`crate::paging`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//! use globus_sdk::transfer::{SyncLevel, TransferData};
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let transfer = globus_sdk::transfer::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! let listing = transfer.operation_ls().endpoint_id("SRC-ID").path("/data/").send().await?;
//! for entry in &listing.data {
//!     println!("{} {}", entry.type_, entry.name);
//! }
//! let mut data = TransferData::new("SRC-ID", "DST-ID").sync_level(SyncLevel::Checksum).verify_checksum(true);
//! data.add_item("/data/", "/backup/data/", true);
//! let submitted = transfer.submit_transfer(&data).await?;
//! let task = transfer.task_wait(&submitted.task_id).timeout(Duration::from_secs(600)).await?;
//! println!("{} (succeeded: {})", task.status, task.is_succeeded());
//! # Ok(()) }
//! ```

crate::transport::service! {
    name: "transfer",
    feature: "transfer",
    resource_server: Some(scopes::RESOURCE_SERVER),
    base_url: Environment,
    default_scopes: || vec![scopes::all()],
    hooks: crate::transport::Hooks { retry_veto: Some(retry_veto), error_format: None },
}

mod documents;
pub mod scopes;
mod tasks;

pub use documents::{DeleteData, FilterRule, SyncLevel, TransferData};
pub use tasks::TaskWait;

/// Transfer's `EndpointError` and `ExternalError` on a 500, 502 or 504 are faults of the
/// endpoint or of a third party: sending again will not help, so they are not retried.
fn retry_veto(status: u16, body: &[u8]) -> bool {
    if !matches!(status, 500 | 502 | 504) {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Code {
        code: Option<String>,
    }
    serde_json::from_slice::<Code>(body)
        .ok()
        .and_then(|c| c.code)
        .is_some_and(|code| code.contains("EndpointError") || code.contains("ExternalError"))
}
