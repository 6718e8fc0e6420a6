//! Timers over loopback HTTP: the documents the SDK sends (a transfer timer from
//! `TransferData`, its schedules, a legacy job), what it refuses before sending, the scope a
//! transfer timer needs, and lenient reading of what Timers answers (unknown statuses and
//! causes, fields it does not know, nulls, validation errors).

use std::time::Duration;

use crate::common::*;
use globus_sdk::authorizers::AccessTokenAuthorizer;
use globus_sdk::testing::{Reply, ScriptedServer};
use globus_sdk::timers::{
    FlowTimer, InactiveCause, OnceSchedule, RecurringSchedule, TimerJob, TimerSchedule, TimerStatus, TransferTimer,
};
use globus_sdk::transfer::{SyncLevel, TransferData};
use globus_sdk::transport::RetryPolicy;
use serde_json::{Value, json};

const SRC: &str = "aa752cea-8222-5bc8-acd9-555b090c0ccb";
const DST: &str = "313ce13e-b597-5858-ae13-29e46fea26e6";

fn timers(s: &ScriptedServer) -> globus_sdk::timers::Client {
    globus_sdk::timers::Client::builder()
        .base_url(s.url())
        .authorizer(AccessTokenAuthorizer::new("timers-token"))
        .retry_policy(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn timer_doc(status: &str) -> Value {
    json!({"job_id": "t-1", "name": "nightly", "status": status, "timer_type": "transfer",
           "schedule": {"type": "recurring", "interval_seconds": 86400, "start": "2030-01-01T00:00:00+00:00", "end": {"count": 2}},
           "body": {"DATA_TYPE": "transfer"}, "inactive_reason": null, "last_ran_at": null,
           "next_run": "2030-01-01T00:00:00+00:00", "number_of_runs": 0, "number_of_errors": 0,
           "submitted_at": "2029-12-31T00:00:00+00:00", "activity": {"code": "awaiting_next_run"}})
}

#[tokio::test]
async fn create_timer_sends_the_transfer_document_without_its_submission_id() {
    let s = server().await;
    s.once("POST", "/v2/timer", Reply::json(201, json!({"timer": timer_doc("new")})));
    let mut data = TransferData::new(SRC, DST)
        .submission_id("must-not-be-sent")
        .label("nightly backup")
        .sync_level(SyncLevel::Checksum)
        .extra_field("skip_activation_check", json!(true));
    data.add_item("/results/", "/backup/results/", true);
    let schedule = RecurringSchedule::new(86400).start(utc("2030-01-01T00:00:00Z")).end_after_runs(2);
    let created =
        timers(&s).create_timer().body(TransferTimer::new(schedule, &data).name("nightly")).send().await.unwrap();
    assert_eq!(created.timer.job_id, "t-1");
    assert_eq!(created.timer.status_kind(), Some(TimerStatus::New));

    let sent = s.requests_to("POST", "/v2/timer")[0].json();
    assert_eq!(s.requests_to("POST", "/v2/timer")[0].header("authorization"), Some("Bearer timers-token"));
    let timer = &sent["timer"];
    assert_eq!(timer["timer_type"], "transfer");
    assert_eq!(timer["name"], "nightly");
    assert_eq!(
        timer["schedule"],
        json!({"type": "recurring", "interval_seconds": 86400, "start": "2030-01-01T00:00:00+00:00",
               "end": {"condition": "iterations", "count": 2}})
    );
    let body = timer["body"].as_object().unwrap();
    assert!(!body.contains_key("submission_id") && !body.contains_key("skip_activation_check"), "{body:?}");
    assert_eq!(body["DATA_TYPE"], "transfer");
    assert_eq!(body["source_endpoint"], SRC);
    assert_eq!(body["destination_endpoint"], DST);
    assert_eq!(body["label"], "nightly backup");
    assert_eq!(body["sync_level"], 3);
    assert_eq!(
        body["DATA"][0],
        json!({"DATA_TYPE": "transfer_item", "source_path": "/results/", "destination_path": "/backup/results/", "recursive": true})
    );
    assert_eq!(sent.as_object().unwrap().len(), 1, "only `timer`: {sent}");
    // The data keeps its own submission id (a direct submission still uses it).
    assert_eq!(data.get_submission_id(), Some("must-not-be-sent"));
}

#[tokio::test]
async fn schedules_are_sent_as_timers_reads_them() {
    let s = server().await;
    s.always("POST", "/v2/timer", |_| Reply::json(201, json!({"timer": timer_doc("new")})));
    let mut data = TransferData::new(SRC, DST);
    data.add_item("/a", "/b", false);
    let tc = timers(&s);
    let at = utc("2030-05-06T07:08:09.750Z");
    let schedules: [TimerSchedule; 4] = [
        OnceSchedule::new().into(),
        OnceSchedule::new().at(at).into(),
        RecurringSchedule::new(600).into(),
        RecurringSchedule::new(1800).end_at(at).into(),
    ];
    for schedule in schedules {
        tc.create_timer().body(TransferTimer::new(schedule, &data)).send().await.unwrap();
    }
    let sent: Vec<Value> =
        s.requests_to("POST", "/v2/timer").iter().map(|r| r.json()["timer"]["schedule"].clone()).collect();
    assert_eq!(
        sent,
        [
            json!({"type": "once"}),
            json!({"type": "once", "datetime": "2030-05-06T07:08:09+00:00"}),
            json!({"type": "recurring", "interval_seconds": 600}),
            json!({"type": "recurring", "interval_seconds": 1800, "end": {"condition": "time", "datetime": "2030-05-06T07:08:09+00:00"}}),
        ]
    );
    assert!(sent.iter().all(|s| s.get("name").is_none()));
}

#[tokio::test]
async fn what_timers_would_refuse_is_refused_before_sending() {
    let s = server().await;
    let tc = timers(&s);
    let mut data = TransferData::new(SRC, DST);
    data.add_item("/a", "/b", false);
    let start = utc("2030-01-01T00:00:00Z");
    for (timer, says) in [
        (TransferTimer::new(RecurringSchedule::new(0), &data), "at least 1 second"),
        (TransferTimer::new(RecurringSchedule::new(60).end_after_runs(0), &data), "at least once"),
        (TransferTimer::new(RecurringSchedule::new(60).start(start).end_at(start), &data), "after its start"),
        (TransferTimer::new(OnceSchedule::new(), &TransferData::new(SRC, DST)), "at least one item"),
    ] {
        let e = tc.create_timer().body(timer).send().await.unwrap_err();
        assert_eq!(e.kind(), globus_sdk::ErrorKind::InvalidRequest, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    let once_with_interval =
        TimerJob::new("https://a.example/run", Default::default(), start, Some(Duration::from_secs(60)))
            .stop_after_n(1);
    assert!(tc.create_job().body(once_with_interval).send().await.unwrap_err().to_string().contains("no interval"));
    assert!(s.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn create_job_sends_the_legacy_document() {
    let s = server().await;
    s.always("POST", "/jobs/", |_| {
        Reply::json(
            201,
            json!({"job_id": "j-1", "status": "new", "interval": null, "results": {"data": [], "page_next": null}}),
        )
    });
    let tc = timers(&s);
    let mut data = TransferData::new(SRC, DST).label("legacy");
    data.add_item("/a", "/b", false);
    let start = utc("2030-01-02T03:04:05Z");
    let job = TimerJob::from_transfer_data(&data, start, Some(Duration::from_secs(3600)))
        .unwrap()
        .name("hourly")
        .stop_after(utc("2030-02-01T00:00:00.5Z"))
        .stop_after_n(10)
        .scope("https://auth.globus.org/scopes/actions.globus.org/transfer/transfer");
    let created = tc.create_job().body(job).send().await.unwrap();
    assert_eq!(created.job_id, "j-1");
    assert!(created.runs().is_empty());
    let once = TimerJob::new("https://a.example/run", json!({"x": 1}).as_object().unwrap().clone(), start, None);
    tc.create_job().body(once).send().await.unwrap();

    let sent: Vec<Value> = s.requests_to("POST", "/jobs/").iter().map(|r| r.json()).collect();
    assert_eq!(sent[0]["callback_url"], "https://actions.automate.globus.org/transfer/transfer/run");
    assert_eq!(sent[0]["callback_body"]["body"]["source_endpoint"], SRC);
    assert_eq!(sent[0]["callback_body"]["body"]["label"], "legacy");
    assert!(sent[0]["callback_body"]["body"].get("submission_id").is_none());
    assert_eq!(sent[0]["start"], "2030-01-02T03:04:05+00:00");
    assert_eq!(sent[0]["interval"], 3600);
    assert_eq!(sent[0]["stop_after"], "2030-02-01T00:00:00.500000+00:00");
    assert_eq!(sent[0]["stop_after_n"], 10);
    assert_eq!(sent[0]["name"], "hourly");
    assert_eq!(
        sent[1],
        json!({"callback_url": "https://a.example/run", "callback_body": {"x": 1}, "start": "2030-01-02T03:04:05+00:00", "interval": null})
    );

    // A TransferData with a submission id cannot make a job (each run is a new task).
    let mut with_id = TransferData::new(SRC, DST).submission_id("s-1");
    with_id.add_item("/a", "/b", false);
    let refused = TimerJob::from_transfer_data(&with_id, start, None).unwrap_err();
    assert!(refused.to_string().contains("submission id"), "{refused}");
}

#[tokio::test]
async fn jobs_operations_send_what_timers_expects() {
    let s = server().await;
    let tc = timers(&s);
    s.once("PATCH", "/jobs/j-1", Reply::json(200, json!({"job_id": "j-1", "name": "renamed"})));
    s.once("POST", "/jobs/j-1/pause", Reply::json(200, json!({"message": "Successfully paused job j-1."})));
    s.once("POST", "/jobs/j-1/resume", Reply::json(200, json!({"message": "Successfully resumed job j-1."})));
    s.once("POST", "/jobs/j-1/resume", Reply::json(200, json!({"message": "Successfully resumed job j-1."})));
    s.once("DELETE", "/jobs/j-1", Reply::json(200, json!({"job_id": "j-1", "status": "deleted"})));
    tc.update_job().job_id("j-1").body_map(|b| b.name(Some("renamed".to_string()))).send().await.unwrap();
    tc.pause_job().job_id("j-1").send().await.unwrap();
    tc.resume_job().job_id("j-1").body_map(|b| b).send().await.unwrap();
    tc.resume_job().job_id("j-1").body_map(|b| b.update_credentials(true)).send().await.unwrap();
    let deleted = tc.delete_job().job_id("j-1").send().await.unwrap();
    assert_eq!(deleted.status_kind(), Some(TimerStatus::Deleted));
    assert_eq!(s.requests_to("PATCH", "/jobs/j-1")[0].json(), json!({"name": "renamed"}));
    let resumes = s.requests_to("POST", "/jobs/j-1/resume");
    assert_eq!(resumes[0].json(), json!({}), "as the Python SDK: always an object");
    assert_eq!(resumes[1].json(), json!({"update_credentials": true}));
    assert!(s.requests_to("POST", "/jobs/j-1/pause")[0].body.is_empty());
}

#[tokio::test]
async fn what_timers_answers_is_read_leniently() {
    let s = server().await;
    let mut odd = timer_doc("hibernating");
    odd["inactive_reason"] = json!({"cause": "quota_exceeded", "detail": {"limit": 5}, "new_field": 1});
    odd["results"] = json!({"data": [
        {"ran_at": "2030-01-01T00:00:00+00:00", "status": 202, "errors": null, "run_status": "new-value",
         "data": {"action_id": "a-1", "details": {"task_id": "task-1", "DATA_TYPE": "task"}}},
        {"ran_at": "2030-01-02T00:00:00+00:00", "status": 500, "errors": {"detail": "boom"}, "data": null},
        {"unexpected": true}
    ], "page_next": "next"});
    odd["brand_new_field"] = json!({"nested": [1, 2]});
    odd["interval"] = json!(864000.0);
    s.once("GET", "/jobs/t-1", Reply::json(200, odd));
    let job = timers(&s).get_job().job_id("t-1").send().await.unwrap().into_inner();
    assert_eq!(job.status_kind(), Some(TimerStatus::Other("hibernating".into())));
    assert!(!job.status_kind().unwrap().is_active());
    let reason = job.inactive_reason().unwrap();
    assert_eq!(reason.cause, InactiveCause::Other("quota_exceeded".into()));
    assert_eq!(reason.detail, Some(json!({"limit": 5})));
    assert_eq!(job.extra["brand_new_field"], json!({"nested": [1, 2]}));
    let runs = job.runs();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].task_id.as_deref(), Some("task-1"));
    assert_eq!((runs[1].status, runs[1].task_id.as_deref()), (Some(500), None));
    assert_eq!(runs[1].errors, Some(json!({"detail": "boom"})));
    assert_eq!(runs[2].ran_at, None);

    // The registered GARE shape: the cause and its requirements document.
    let mut gare = timer_doc("inactive");
    gare["inactive_reason"] = json!({"cause": "globus_auth_requirements", "detail": {"code": "ConsentRequired",
        "authorization_parameters": {"required_scopes": ["x"]}}});
    s.once("GET", "/jobs/t-2", Reply::json(200, gare));
    let job = timers(&s).get_job().job_id("t-2").send().await.unwrap();
    assert_eq!(job.status_kind(), Some(TimerStatus::Inactive));
    let reason = job.inactive_reason().unwrap();
    assert_eq!(reason.cause, InactiveCause::GlobusAuthRequirements);
    assert_eq!(reason.detail.unwrap()["code"], "ConsentRequired");
}

#[tokio::test]
async fn timers_errors_say_what_went_wrong() {
    let s = server().await;
    s.once(
        "POST",
        "/jobs/",
        Reply::json(
            422,
            json!({"detail": [
                {"loc": ["body", "start"], "msg": "field required", "type": "value_error.missing"},
                {"loc": ["body", "callback_url"], "msg": "field required", "type": "value_error.missing"}
            ]}),
        ),
    );
    s.once(
        "GET",
        "/jobs/t-1",
        Reply::json(500, json!({"error": {"code": "ERROR", "detail": "Request failed terribly", "status": 500}})),
    );
    let tc = timers(&s);
    let job = TimerJob::new("https://a.example/run", Default::default(), utc("2030-01-01T00:00:00Z"), None);
    let e = tc.create_job().body(job).send().await.unwrap_err();
    assert_eq!(e.http_status(), Some(422));
    assert_eq!(e.message(), Some("field required: body.start; field required: body.callback_url"));
    assert!(e.to_string().contains("field required: body.start"), "{e}");
    let e = tc.get_job().job_id("t-1").send().await.unwrap_err();
    assert_eq!((e.http_status(), e.code(), e.message()), (Some(500), Some("ERROR"), Some("Request failed terribly")));
}

#[test]
fn a_transfer_timer_names_the_scope_it_needs() {
    let mut data = TransferData::new(SRC, DST);
    data.add_item("/a", "/b", false);
    let scope = TransferTimer::new(OnceSchedule::new(), &data).scope().to_string();
    assert_eq!(
        scope,
        format!(
            "https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer[urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/{DST}/data_access *https://auth.globus.org/scopes/{SRC}/data_access]]"
        )
    );
}

#[tokio::test]
async fn a_flow_timer_is_sent_with_its_flow_and_run_request() {
    let s = server().await;
    s.once(
        "POST",
        "/v2/timer",
        Reply::json(201, json!({"timer": {"job_id": "f-1", "timer_type": "flow", "status": "new", "results": []}})),
    );
    let request = json!({"body": {"input_key": "input_value"}, "run_managers": ["urn:globus:auth:identity:x"]});
    let timer = FlowTimer::new(OnceSchedule::new(), "flow-1", request.as_object().unwrap().clone());
    let created = timers(&s).create_timer().body(timer).send().await.unwrap();
    assert_eq!(created.timer.timer_type.as_deref(), Some("flow"));
    assert!(created.timer.runs().is_empty());
    let sent = s.requests_to("POST", "/v2/timer")[0].json();
    assert_eq!(
        sent,
        json!({"timer": {"timer_type": "flow", "flow_id": "flow-1", "schedule": {"type": "once"}, "body": request}})
    );
}
