//! End to end against the local Globus with the SDK's own layer: a token that expires in the
//! middle of a task wait is renewed, and paging walks many tasks.

use std::time::Duration;

use futures::TryStreamExt;
use globus_sdk::auth::ConfidentialAppClient;
use globus_sdk::testing::LocalGlobus;
use globus_sdk::transfer::TransferData;
use globus_sdk::transfer::scopes as transfer_scopes;

async fn logged_in(local: &LocalGlobus) -> globus_sdk::transfer::Client {
    let c = local.confidential_client();
    let app = ConfidentialAppClient::with_config(c.id(), c.secret().unwrap().clone(), local.config()).unwrap();
    globus_sdk::transfer::Client::builder()
        .config(local.config())
        .authorizer(app.client_credentials_authorizer(&[transfer_scopes::all()]))
        .build()
        .unwrap()
}

fn grants(local: &LocalGlobus) -> usize {
    local.requests().iter().filter(|r| r.path == "/v2/oauth2/token").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_during_a_task_wait_is_renewed() {
    // 2 MiB at 1 MiB/s: the wait polls for about two seconds.
    let local = LocalGlobus::builder().throttle(1024 * 1024).start().await.unwrap();
    let (src, dst) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    std::fs::write(src.root().join("big.bin"), vec![42u8; 2 * 1024 * 1024]).unwrap();
    let transfer = logged_in(&local).await;
    let task = transfer
        .submit_transfer(TransferData::new(src.id(), dst.id()).add_item("/big.bin", "/big.bin", false))
        .await
        .unwrap();
    assert_eq!(grants(&local), 1);

    let waiting = {
        let transfer = transfer.clone();
        let task_id = task.task_id.clone();
        tokio::spawn(async move {
            transfer.task_wait(task_id).timeout(Duration::from_secs(60)).poll_interval(Duration::from_millis(100)).await
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    local.expire_all_tokens();
    let done = waiting.await.unwrap().expect("the wait survives the expiry");
    assert!(done.is_finished());
    assert_eq!(done.status, "SUCCEEDED");
    assert_eq!(std::fs::read(dst.root().join("big.bin")).unwrap().len(), 2 * 1024 * 1024);
    assert_eq!(grants(&local), 2, "one renewal after the 401");
    let statuses: Vec<u16> = local
        .requests()
        .iter()
        .filter(|r| r.path == format!("/v0.10/task/{}", task.task_id))
        .filter_map(|r| r.status)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 1, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_walks_many_tasks() {
    let local = LocalGlobus::start().await.unwrap();
    let (src, dst) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    std::fs::write(src.root().join("f.txt"), "x").unwrap();
    let transfer = logged_in(&local).await;
    const TASKS: usize = 120;
    for i in 0..TASKS {
        let mut data = TransferData::new(src.id(), dst.id()).label(format!("task {i}"));
        data.add_item("/f.txt", format!("/f{i}.txt"), false);
        transfer.submit_transfer(&data).await.unwrap();
    }
    local.clear_requests();
    let tasks: Vec<_> =
        transfer.task_list().filter("type:TRANSFER").limit(50).into_stream().items().try_collect().await.unwrap();
    assert_eq!(tasks.len(), TASKS);
    let mut labels: Vec<String> = tasks.iter().filter_map(|t| t.label.clone()).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), TASKS, "every task once");
    let pages: Vec<_> = local.requests().into_iter().filter(|r| r.path == "/v0.10/task_list").collect();
    assert_eq!(pages.len(), 3, "50 + 50 + 20");
    let some: Vec<_> = transfer.task_list().limit(50).into_stream().max_items(60).items().try_collect().await.unwrap();
    assert_eq!(some.len(), 60);
}
