//! Globus Transfer: the generated client for every Transfer operation, and the hand-written
//! layer for submitting work ([`TransferData`], [`DeleteData`], safe resubmission), waiting
//! and progress ([`Client::task_wait`], [`Client::task_progress`]); every listing pages as a
//! stream (`transfer.task_list().into_stream()`, see [`crate::paging`]).
//!
//! ```no_run
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//! use globus_sdk::transfer::{SyncLevel, TransferData, WaitOptions};
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let transfer = globus_sdk::transfer::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! let listing = transfer.operation_ls().endpoint_id("SRC-ID").path("/data/").send().await?;
//! for entry in &listing.data {
//!     println!("{} {}", entry.type_, entry.name);
//! }
//! let data = TransferData::new("SRC-ID", "DST-ID")
//!     .sync_level(SyncLevel::Checksum)
//!     .verify_checksum(true)
//!     .add_item("/data/", "/backup/data/", true);
//! let task = transfer.submit_transfer_data(&data).await?;
//! let done = transfer.task_wait(&task.task_id, WaitOptions::default()).await?;
//! println!("{}", done.status);
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
pub use tasks::{WaitOptions, is_task_finished};

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
