//! The local Globus's Timers, through the SDK's Timers and Transfer clients over HTTP: a
//! scheduler that really runs each timer's transfer on the local Transfer (files arrive, each
//! run is listed with its task), pause and resume (a missed run runs once on resume), delete,
//! once-timers, the jobs API, the end of a timer; Timers' errors and hostile input; the
//! scheduler stopping with the server; and the Python SDK's TimersClient driving it through
//! `LocalGlobus::env_vars` alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{LocalGlobus, LocalGlobusBuilder};
use globus_sdk::timers::{OnceSchedule, RecurringSchedule, TimerJob, TimerStatus, TransferTimer, types};
use globus_sdk::transfer::TransferData;
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const USER: &str = "testuser@example.org";
/// How long a test waits for the scheduler (runs are due within a second or two).
const PATIENCE: Duration = Duration::from_secs(30);

struct Env {
    local: LocalGlobus,
    timers: globus_sdk::timers::Client,
    transfer: globus_sdk::transfer::Client,
    /// The bearer token of `timers` (for the raw HTTP tests).
    token: String,
    src: String,
    dst: String,
    src_root: PathBuf,
    dst_root: PathBuf,
}

async fn env() -> Env {
    env_with(LocalGlobus::builder()).await
}

async fn env_with(builder: LocalGlobusBuilder) -> Env {
    let local = builder.start().await.unwrap();
    let (s, d) = (local.collection("source").unwrap(), local.collection("destination").unwrap());
    let (src, dst) = (s.id().to_string(), d.id().to_string());
    let (src_root, dst_root) = (s.root().to_path_buf(), d.root().to_path_buf());
    // The scope a transfer timer between these collections needs, as a login would ask.
    let timer_scope = globus_sdk::scopes::timers::timer_for_transfer(&TransferData::new(&src, &dst));
    let scopes = format!("{timer_scope} urn:globus:auth:scope:transfer.api.globus.org:all");
    let tokens = local.issue_tokens(local.native_client().id(), USER, &scopes, false).unwrap();
    let by_rs = tokens.by_resource_server();
    let timers_token = by_rs[globus_sdk::scopes::timers::RESOURCE_SERVER].access_token.clone();
    let transfer_token = by_rs["transfer.api.globus.org"].access_token.clone();
    Env {
        timers: timers_client(&local, timers_token.expose()),
        transfer: globus_sdk::transfer::Client::builder()
            .config(local.config())
            .authorizer(AccessTokenAuthorizer::new(transfer_token))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap(),
        token: timers_token.expose().to_string(),
        src,
        dst,
        src_root,
        dst_root,
        local,
    }
}

fn timers_client(local: &LocalGlobus, token: &str) -> globus_sdk::timers::Client {
    globus_sdk::timers::Client::builder()
        .config(local.config())
        .authorizer(AccessTokenAuthorizer::new(token.to_string()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn err<T: std::fmt::Debug>(r: Result<T, globus_sdk::Error>) -> globus_sdk::Error {
    r.expect_err("an error was expected")
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).to_utc()
}

impl Env {
    /// A transfer of `in/a.txt` (written now) to `out/a.txt`.
    fn data(&self, label: &str) -> TransferData {
        write(&self.src_root, "in/a.txt", b"timed payload\n");
        let mut data = TransferData::new(&self.src, &self.dst).label(label);
        data.add_item("/~/in/a.txt", "/~/out/a.txt", false);
        data
    }

    async fn create(&self, timer: TransferTimer) -> types::Timer {
        self.timers.create_timer().body(timer).send().await.unwrap().into_inner().timer
    }

    async fn job(&self, id: &str) -> types::Timer {
        self.timers.get_job().job_id(id).send().await.unwrap().into_inner()
    }

    /// Poll the timer until `done` holds (at most [`PATIENCE`]).
    async fn wait_for(&self, id: &str, what: &str, done: impl Fn(&types::Timer) -> bool) -> types::Timer {
        let until = Instant::now() + PATIENCE;
        loop {
            let job = self.job(id).await;
            if done(&job) {
                return job;
            }
            assert!(Instant::now() < until, "timer {id}: {what} did not happen within {PATIENCE:?}: {job:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The ids of the Transfer tasks of the user, oldest first.
    async fn task_ids(&self) -> Vec<String> {
        let list = self.transfer.task_list().send().await.unwrap().into_inner();
        let mut tasks: Vec<_> = list.data.into_iter().map(|t| (t.request_time.clone(), t.task_id.clone())).collect();
        tasks.sort();
        tasks.into_iter().map(|(_, id)| id).collect()
    }

    async fn raw(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.local.timers_url()))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            request = request.header("content-type", "application/json").body(b);
        }
        let answer = request.send().await.expect("the server answers");
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurring_timer_runs_its_transfer_twice_then_ends() {
    let e = env().await;
    let data = e.data("every second, twice");
    let schedule = RecurringSchedule::new(1).end_after_runs(2);
    let created = e.create(TransferTimer::new(schedule, &data).name("twice")).await;
    assert_eq!(created.name.as_deref(), Some("twice"));
    assert_eq!(created.timer_type.as_deref(), Some("transfer"));
    assert_eq!(created.status_kind(), Some(TimerStatus::New));
    assert_eq!(created.number_of_runs, Some(0));
    let schedule = created.schedule.as_ref().unwrap();
    assert_eq!(schedule["interval_seconds"], 1);
    assert_eq!(schedule["end"], json!({"condition": "iterations", "count": 2}));
    let body = created.body.as_ref().unwrap();
    assert_eq!(body["source_endpoint"], e.src.as_str());
    assert!(!body.contains_key("submission_id"), "each run gets its own submission id");

    let ended = e.wait_for(&created.job_id, "the end", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!(ended.n_runs, Some(2));
    assert_eq!(ended.n_errors, Some(0));
    assert_eq!(ended.next_run, None, "an ended timer has no next run");
    assert!(ended.last_ran_at.is_some());
    let runs = ended.runs();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let task_ids: Vec<String> = runs.iter().map(|r| r.task_id.clone().expect("each run started a task")).collect();
    assert_ne!(task_ids[0], task_ids[1], "two runs, two tasks");
    assert!(runs.iter().all(|r| r.status == Some(202) && r.errors.is_none()));
    assert!(time(runs[0].ran_at.as_deref().unwrap()) <= time(runs[1].ran_at.as_deref().unwrap()));

    // The tasks are the user's on Transfer, and really copied the file.
    assert_eq!(e.task_ids().await.len(), 2);
    for id in &task_ids {
        let task = e.transfer.task_wait(id).timeout(PATIENCE).poll_interval(Duration::from_millis(50)).await.unwrap();
        assert!(task.is_succeeded(), "{task:?}");
        assert_eq!(task.label.as_deref(), Some("every second, twice"));
    }
    assert_eq!(std::fs::read(e.dst_root.join("out/a.txt")).unwrap(), b"timed payload\n");

    // Ended means ended: no third run.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = e.job(&created.job_id).await;
    assert_eq!((later.n_runs, later.status_kind()), (Some(2), Some(TimerStatus::Ended)));
    assert_eq!(e.task_ids().await.len(), 2);
    // And it cannot be resumed or paused.
    let conflict = err(e.timers.resume_job().job_id(&created.job_id).body_map(|b| b).send().await);
    assert_eq!(conflict.http_status(), Some(409), "{conflict}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_prevents_runs_and_resume_runs_the_missed_one_then_follows_the_schedule() {
    let e = env().await;
    let data = e.data("hourly");
    let start = Utc::now() + chrono::TimeDelta::seconds(3);
    let created = e.create(TransferTimer::new(RecurringSchedule::new(3600).start(start), &data)).await;
    let id = created.job_id.clone();
    let paused = e.timers.pause_job().job_id(&id).send().await.unwrap();
    assert_eq!(paused.message.as_deref(), Some(format!("Successfully paused job {id}.").as_str()));
    let job = e.job(&id).await;
    assert_eq!(job.status_kind(), Some(TimerStatus::Inactive));
    let reason = job.inactive_reason().unwrap();
    assert_eq!(reason.cause, globus_sdk::timers::InactiveCause::User);

    // The first run falls due while paused: nothing runs.
    tokio::time::sleep((start - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(1500)).await;
    let job = e.job(&id).await;
    assert_eq!((job.n_runs, job.status_kind()), (Some(0), Some(TimerStatus::Inactive)));
    assert!(e.task_ids().await.is_empty(), "a paused timer submits nothing");

    // Resumed, the missed run runs once at once; the next is the schedule's (start + 1 h).
    e.timers.resume_job().job_id(&id).body_map(|b| b).send().await.unwrap();
    let job = e.wait_for(&id, "the missed run", |j| j.n_runs == Some(1)).await;
    assert_eq!(job.status_kind(), Some(TimerStatus::Loaded));
    assert!(job.inactive_reason().is_none());
    let expected_next = start + chrono::TimeDelta::seconds(3600);
    assert_eq!(time(job.next_run.as_deref().unwrap()).timestamp(), expected_next.timestamp());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(e.job(&id).await.n_runs, Some(1), "missed runs are not made up beyond one");
    assert_eq!(e.task_ids().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_stops_a_timer() {
    let e = env().await;
    let data = e.data("until deleted");
    let created = e.create(TransferTimer::new(RecurringSchedule::new(1), &data)).await;
    let id = created.job_id.clone();
    e.wait_for(&id, "a first run", |j| j.n_runs.unwrap_or(0) >= 1).await;
    let deleted = e.timers.delete_job().job_id(&id).send().await.unwrap();
    assert_eq!(deleted.status_kind(), Some(TimerStatus::Deleted));
    let gone = err(e.timers.get_job().job_id(&id).send().await);
    assert_eq!(gone.http_status(), Some(404));
    assert!(e.timers.list_jobs().send().await.unwrap().jobs.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_delete = e.task_ids().await.len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(e.task_ids().await.len(), after_delete, "a deleted timer never runs again");
    assert_eq!(e.local.timer_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_once_timer_runs_once() {
    let e = env().await;
    let data = e.data("once");
    let at = Utc::now() + chrono::TimeDelta::seconds(1);
    let created = e.create(TransferTimer::new(OnceSchedule::new().at(at), &data)).await;
    assert_eq!(time(created.next_run.as_deref().unwrap()).timestamp(), at.timestamp());
    assert_eq!(created.schedule.as_ref().unwrap()["type"], "once");
    let ended = e.wait_for(&created.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!(ended.n_runs, Some(1));
    assert!(time(ended.last_ran_at.as_deref().unwrap()).timestamp() >= at.timestamp(), "not before its time");
    let task = ended.runs()[0].task_id.clone().unwrap();
    e.transfer.task_wait(&task).timeout(PATIENCE).poll_interval(Duration::from_millis(50)).await.unwrap();
    assert!(e.dst_root.join("out/a.txt").exists());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(e.job(&created.job_id).await.n_runs, Some(1));
    assert_eq!(e.task_ids().await.len(), 1);

    // Now (no datetime): runs at once.
    let now = e.create(TransferTimer::new(OnceSchedule::new(), &data)).await;
    let ended = e.wait_for(&now.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!(ended.runs().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_api_creates_lists_renames_and_runs_a_transfer_job() {
    let e = env().await;
    let data = e.data("legacy job");
    let job = TimerJob::from_transfer_data(&data, Utc::now(), None).unwrap().name("legacy").stop_after_n(1);
    let created = e.timers.create_job().body(job).send().await.unwrap().into_inner();
    assert_eq!(created.callback_url.as_deref(), Some("https://actions.automate.globus.org/transfer/transfer/run"));
    assert_eq!(created.interval, None);
    let ended = e.wait_for(&created.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!(ended.runs().len(), 1);
    assert!(ended.runs()[0].task_id.is_some());

    let renamed = e
        .timers
        .update_job()
        .job_id(&created.job_id)
        .body_map(|b| b.name(Some("renamed".to_string())))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("renamed"));
    let listed = e.timers.list_jobs().send().await.unwrap().into_inner();
    assert_eq!(listed.jobs.len(), 1);
    assert_eq!(listed.jobs[0].name.as_deref(), Some("renamed"));
    let (status, active) = e.raw(reqwest::Method::GET, "/jobs/?filter_status=active", None).await;
    assert_eq!((status, active["jobs"].as_array().map(Vec::len)), (200, Some(0)));
    let (status, ended) = e.raw(reqwest::Method::GET, "/jobs/?filter_status=ended", None).await;
    assert_eq!((status, ended["jobs"].as_array().map(Vec::len)), (200, Some(1)));

    // A job calling another action provider cannot run here: refused, with where and why.
    let other = TimerJob::new("https://example.org/run", serde_json::Map::new(), Utc::now(), None);
    let refused = err(e.timers.create_job().body(other).send().await);
    assert_eq!(refused.http_status(), Some(422));
    assert!(refused.message().unwrap_or_default().contains("body.callback_url"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_transfer_refuses_is_an_error_and_a_refused_token_makes_the_timer_inactive() {
    let e = env().await;
    let data = e.data("faulty");
    // Transfer fails the submission: the run is an error run, and the once-timer has ended.
    e.local.faults().fail_next("POST", "/v0.10/transfer", 1, 500, None);
    let failing = e.create(TransferTimer::new(OnceSchedule::new(), &data)).await;
    let ended = e.wait_for(&failing.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!((ended.n_runs, ended.n_errors), (Some(1), Some(1)));
    let run = &ended.runs()[0];
    assert_eq!((run.status, run.task_id.as_deref()), (Some(500), None));
    assert!(run.errors.is_some());

    // Transfer refuses the token: inactive, for Globus Auth requirements; resumed with new
    // credentials, the run is made again.
    e.local.faults().fail_next("GET", "/v0.10/submission_id", 1, 401, None);
    let refused = e.create(TransferTimer::new(OnceSchedule::new(), &data)).await;
    let inactive = e.wait_for(&refused.job_id, "inactivity", |j| j.status_kind() == Some(TimerStatus::Inactive)).await;
    let reason = inactive.inactive_reason().unwrap();
    assert_eq!(reason.cause, globus_sdk::timers::InactiveCause::GlobusAuthRequirements);
    assert_eq!(reason.detail.unwrap()["code"], "ConsentRequired");
    e.timers.resume_job().job_id(&refused.job_id).body_map(|b| b.update_credentials(true)).send().await.unwrap();
    let ended = e.wait_for(&refused.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert_eq!(ended.n_runs, Some(1));
    assert!(ended.runs().iter().any(|r| r.task_id.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_come_in_timers_shapes() {
    let e = env_with(LocalGlobus::builder().user("other@example.org", "Other User")).await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    let e404 = err(e.timers.get_job().job_id(unknown).send().await);
    assert_eq!(e404.http_status(), Some(404));
    assert_eq!(e404.code(), Some("NOT_FOUND"));
    for (method, path) in [
        (reqwest::Method::DELETE, format!("/jobs/{unknown}")),
        (reqwest::Method::POST, format!("/jobs/{unknown}/pause")),
        (reqwest::Method::POST, format!("/jobs/{unknown}/resume")),
    ] {
        let (status, body) = e.raw(method, &path, None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{path}");
    }

    // Another user cannot see, change or delete the timer.
    let created = e
        .create(TransferTimer::new(
            RecurringSchedule::new(3600).start(Utc::now() + chrono::TimeDelta::hours(1)),
            &e.data("mine"),
        ))
        .await;
    let other = e.local.issue_tokens(
        e.local.native_client().id(),
        "other@example.org",
        &globus_sdk::scopes::timers::timer().to_string(),
        false,
    );
    let other = timers_client(&e.local, other.unwrap().raw().access_token.expose());
    assert_eq!(err(other.get_job().job_id(&created.job_id).send().await).http_status(), Some(404));
    assert_eq!(err(other.delete_job().job_id(&created.job_id).send().await).http_status(), Some(404));
    assert!(other.list_jobs().send().await.unwrap().jobs.is_empty());

    // Tokens: none is 401, Transfer's is 403.
    let (status, body) = reqwest::Client::new()
        .get(format!("{}/jobs/", e.local.timers_url()))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 401);
    assert!(body.json::<Value>().await.unwrap()["error"]["detail"].is_string());
    let transfer_token = e
        .local
        .issue_tokens(e.local.native_client().id(), USER, "urn:globus:auth:scope:transfer.api.globus.org:all", false)
        .unwrap();
    let wrong = timers_client(&e.local, transfer_token.raw().access_token.expose());
    assert_eq!(err(wrong.list_jobs().send().await).http_status(), Some(403));

    // A schedule Timers refuses: the SDK says so before sending; sent anyway, it is a 422
    // naming the field, read as the Python SDK reads it.
    let refused =
        err(e.timers.create_timer().body(TransferTimer::new(RecurringSchedule::new(0), &e.data("x"))).send().await);
    assert!(refused.to_string().contains("interval"), "{refused}");
    let before = e.local.requests().len();
    let bad = json!({"timer": {"timer_type": "transfer", "schedule": {"type": "recurring", "interval_seconds": 0},
                     "body": {"source_endpoint": e.src, "destination_endpoint": e.dst, "DATA": [{"source_path": "/a", "destination_path": "/b"}]}}});
    let e422 = err(e.timers.raw_post("/v2/timer").json(&bad).send().await.map(|_| ()));
    assert!(e.local.requests().len() > before);
    assert_eq!(e422.http_status(), Some(422));
    assert!(e422.message().unwrap_or_default().contains("body.timer.schedule.interval_seconds"), "{e422}");
    assert_eq!(e.local.timer_count(), 1, "nothing refused was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_breaks_the_local_timers() {
    let e = env().await;
    let item = json!([{"source_path": "/~/a", "destination_path": "/~/b"}]);
    let body = |schedule: Value| json!({"timer": {"timer_type": "transfer", "schedule": schedule, "body": {"source_endpoint": e.src, "destination_endpoint": e.dst, "DATA": item}}});
    let huge_name = "n".repeat(5000);
    let long_path = format!("/jobs/{}", "a".repeat(4000));
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("POST", "/v2/timer", b"not json".to_vec()),
        ("POST", "/v2/timer", b"[1, 2]".to_vec()),
        ("POST", "/v2/timer", b"{}".to_vec()),
        ("POST", "/v2/timer", br#"{"timer": "x"}"#.to_vec()),
        ("POST", "/v2/timer", br#"{"timer": {"timer_type": "flow"}}"#.to_vec()),
        ("POST", "/v2/timer", body(json!({"type": "recurring", "interval_seconds": 1e308})).to_string().into_bytes()),
        ("POST", "/v2/timer", body(json!({"type": "recurring", "interval_seconds": -1})).to_string().into_bytes()),
        ("POST", "/v2/timer", body(json!({"type": "once", "datetime": "+262143-01-01T00:00:00Z"})).to_string().into_bytes()),
        ("POST", "/v2/timer", body(json!({"type": "once", "datetime": 12})).to_string().into_bytes()),
        ("POST", "/v2/timer", body(json!({"type": "recurring", "interval_seconds": 1, "end": {"condition": "iterations", "count": "two"}})).to_string().into_bytes()),
        ("POST", "/v2/timer", body(json!([])).to_string().into_bytes()),
        ("POST", "/v2/timer", json!({"timer": {"timer_type": "transfer", "name": huge_name, "schedule": {"type": "once"}, "body": {}}}).to_string().into_bytes()),
        ("POST", "/v2/timer", json!({"timer": {"timer_type": "transfer", "schedule": {"type": "once"}, "body": {"source_endpoint": 1, "DATA": []}}}).to_string().into_bytes()),
        ("POST", "/v2/timer", json!({"timer": {"timer_type": "transfer", "schedule": {"type": "once"}, "body": {"source_endpoint": "a", "destination_endpoint": "b", "DATA": [1]}}}).to_string().into_bytes()),
        ("POST", "/v2/timer", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("POST", "/v2/timer", vec![b' '; 2 * 1024 * 1024]),
        ("POST", "/jobs/", b"{}".to_vec()),
        ("POST", "/jobs/", json!({"start": "yesterday", "callback_url": 5, "callback_body": []}).to_string().into_bytes()),
        ("POST", "/jobs/", json!({"start": "2030-01-01T00:00:00Z", "callback_url": "https://actions.automate.globus.org/transfer/transfer/run", "callback_body": {"body": {}}, "interval": 1}).to_string().into_bytes()),
        ("PATCH", "/jobs/x", b"{\"name\": 5}".to_vec()),
        ("POST", "/jobs/x/resume", b"{\"update_credentials\": \"maybe\"}".to_vec()),
        ("GET", "/jobs/?filter_status=%00%ff", Vec::new()),
        ("GET", "/jobs/%2e%2e%2f%2e%2e", Vec::new()),
        ("GET", &long_path, Vec::new()),
    ];
    for (method, path, bytes) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, answer) = e.raw(method.clone(), path, (!bytes.is_empty()).then_some(bytes)).await;
        assert!((400..500).contains(&status), "{method} {path}: {status} {answer}");
        assert!(answer.get("error").is_some() || answer.get("detail").is_some(), "{method} {path}: {answer}");
    }
    assert_eq!(e.local.timer_count(), 0);
    // The far future is a time like any other: taken, never due.
    let far = body(json!({"type": "recurring", "interval_seconds": 1, "start": "9999-12-31T23:59:59Z"}));
    let (status, answer) = e.raw(reqwest::Method::POST, "/v2/timer", Some(far.to_string().into_bytes())).await;
    assert_eq!((status, answer["timer"]["next_run"].as_str()), (201, Some("9999-12-31T23:59:59+00:00")), "{answer}");
    // Still serving.
    let created = e.create(TransferTimer::new(OnceSchedule::new(), &e.data("after the storm"))).await;
    e.wait_for(&created.job_id, "the run", |j| j.status_kind() == Some(TimerStatus::Ended)).await;
    assert!(e.local.requests().iter().all(|r| r.status.is_none_or(|s| s < 500)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_local_globus_stops_the_scheduler_even_mid_run() {
    let e = env().await;
    let data = e.data("due");
    // The next run hangs in Transfer for a minute; more timers are due every second.
    e.local.faults().delay_next("GET", "/v0.10/submission_id", 1, Duration::from_secs(60));
    for _ in 0..3 {
        e.create(TransferTimer::new(RecurringSchedule::new(1), &data)).await;
    }
    let until = Instant::now() + PATIENCE;
    // The delay rule is used up when the hanging request arrives (the request log has it
    // only once answered).
    while e.local.faults().pending() > 0 {
        assert!(Instant::now() < until, "no run started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let Env { local, timers, transfer, .. } = e;
    drop((timers, transfer));
    let started = Instant::now();
    tokio::task::spawn_blocking(move || drop(local)).await.unwrap();
    // Bounded by the scheduler's stop (and Transfer's two-second grace), never by the hung run.
    assert!(started.elapsed() < Duration::from_secs(20), "dropping took {:?}", started.elapsed());
}

/// The Python SDK's TimersClient, TransferTimer and RecurringTimerSchedule (3.62 and the
/// newest) against the local Globus, configured by `LocalGlobus::env_vars` alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_runs_a_transfer_timer() {
    for python in crate::local_python::pythons() {
        let local = LocalGlobus::start().await.unwrap();
        let source = local.collection("source").unwrap().root().to_path_buf();
        let destination = local.collection("destination").unwrap().root().to_path_buf();
        write(&source, "timed/hello.txt", b"hello from a Python timer\n");
        let summary = crate::local_python::run_script(&python, "python_local_timers.py", &local).await;
        assert_eq!(summary["status"], "ended", "{summary}");
        assert_eq!(summary["runs"], 2, "{summary}");
        let tasks = summary["task_ids"].as_array().unwrap();
        assert_eq!(tasks.len(), 2);
        assert_ne!(tasks[0], tasks[1]);
        assert_eq!(summary["task_statuses"], json!(["SUCCEEDED", "SUCCEEDED"]));
        assert_eq!(std::fs::read(destination.join("timed-copy/hello.txt")).unwrap(), b"hello from a Python timer\n");
        // The Python SDK spoke to Timers under the name `timer`, and its runs reached Transfer.
        let requests = local.requests();
        assert!(requests.iter().any(|r| r.service == "timers" && r.path == "/v2/timer" && r.status == Some(201)));
        assert_eq!(requests.iter().filter(|r| r.path == "/v0.10/transfer" && r.status == Some(202)).count(), 2);
    }
}
