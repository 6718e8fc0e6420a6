//! Real-sized Transfer documents for the benches, built from the shape of the Python SDK's
//! registered responses (`task_list`: a task of 53 fields, ~1.5 KB; `operation_stat`: a file
//! entry of 13 fields), with values that vary per item as the service's do.

#![allow(dead_code)] // each bench uses some of them

use bytes::Bytes;
use serde_json::{Value, json};

/// A UUID-shaped id, distinct per `n` and `kind`.
fn uuid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", (n >> 16) & 0xffff, n & 0xfff, (n >> 12) & 0xfff, n * 7919)
}

/// One finished transfer task: the 52 fields of the Python SDK's registered `task_list` entry
/// plus `DATA_TYPE` (a task list's entries carry it), about 1.5 KB of JSON.
pub fn task(i: usize) -> Value {
    let day = 1 + i % 28;
    json!({
        "DATA_TYPE": "task",
        "bytes_checksummed": 0,
        "bytes_transferred": i * 4096 + 4,
        "canceled_by_admin": null,
        "canceled_by_admin_message": null,
        "command": "API 0.10",
        "completion_time": format!("2021-09-{day:02}T18:04:49+00:00"),
        "deadline": format!("2021-10-{day:02}T18:04:47+00:00"),
        "delete_destination_extra": false,
        "destination_endpoint": "mydest",
        "destination_endpoint_display_name": "Destination Endpoint",
        "destination_endpoint_id": uuid(2, i % 97),
        "directories": i % 5,
        "effective_bytes_per_second": 3 + i % 1000,
        "encrypt_data": false,
        "fail_on_quota_errors": false,
        "fatal_error": null,
        "faults": 0,
        "files": 1 + i % 50,
        "files_skipped": 0,
        "files_transferred": 1 + i % 50,
        "filter_rules": null,
        "history_deleted": false,
        "is_ok": null,
        "is_paused": false,
        "label": if i.is_multiple_of(3) { Value::Null } else { json!(format!("nightly backup {i}")) },
        "nice_status": null,
        "nice_status_details": null,
        "nice_status_expires_in": null,
        "nice_status_short_description": null,
        "owner_id": uuid(3, i % 13),
        "preserve_timestamp": false,
        "recursive_symlinks": "ignore",
        "request_time": format!("2021-09-{day:02}T18:04:47+00:00"),
        "skip_source_errors": false,
        "source_endpoint": "mysrc",
        "source_endpoint_display_name": "Source Endpoint",
        "source_endpoint_id": uuid(1, i % 89),
        "status": "SUCCEEDED",
        "subtasks_canceled": 0,
        "subtasks_expired": 0,
        "subtasks_failed": 0,
        "subtasks_pending": 0,
        "subtasks_retrying": 0,
        "subtasks_skipped_errors": 0,
        "subtasks_succeeded": 2 + i % 50,
        "subtasks_total": 2 + i % 50,
        "symlinks": 0,
        "sync_level": null,
        "task_id": uuid(4, i),
        "type": "TRANSFER",
        "username": "u_XrtivK6z9w2MZwr65os6nZX0wv",
        "verify_checksum": true,
    })
}

/// One page of a task listing (`last_key` paging, as `endpoint_manager_task_list` answers).
pub fn task_page(page: usize, per_page: usize, pages: usize) -> Bytes {
    let data: Vec<Value> = (page * per_page..(page + 1) * per_page).map(task).collect();
    let more = page + 1 < pages;
    let key = more.then(|| format!("k{}", page + 1));
    let doc = json!({"DATA_TYPE": "task_list", "DATA": data, "has_next_page": more, "last_key": key});
    Bytes::from(serde_json::to_vec(&doc).expect("JSON"))
}

/// One entry of `operation_ls`: the 13 fields of the Python SDK's registered `operation_stat`.
pub fn ls_entry(i: usize) -> Value {
    let dir = i.is_multiple_of(20);
    json!({
        "DATA_TYPE": "file",
        "group": "tutorial",
        "last_modified": format!("2023-12-{:02} 16:{:02}:50+00:00", 1 + i % 28, i % 60),
        "link_group": null,
        "link_last_modified": null,
        "link_size": null,
        "link_target": null,
        "link_user": null,
        "name": if dir { format!("run-{i:06}") } else { format!("sample-{i:06}.h5") },
        "permissions": if dir { "0755" } else { "0644" },
        "size": if dir { 4096 } else { (i * 7919) % 50_000_000 },
        "type": if dir { "dir" } else { "file" },
        "user": "tutorial",
    })
}

/// An `operation_ls` answer of `n` entries.
pub fn ls_body(n: usize) -> Bytes {
    let entries: Vec<Value> = (0..n).map(ls_entry).collect();
    let doc = json!({"DATA_TYPE": "file_list", "path": "/~/data/", "endpoint": "ep", "length": n,
                     "total": n, "rename_supported": true, "symlink_supported": false, "DATA": entries});
    Bytes::from(serde_json::to_vec(&doc).expect("JSON"))
}
