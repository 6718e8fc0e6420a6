//! Functions: register (v2 and v3 bodies), get, delete. The code is an opaque string, kept
//! as sent and never decoded.

use serde_json::{Value, json};

use super::{Compute, FunctionRecord, MAX_FUNCTIONS, body, error, text, uuid_param};
use crate::testing::local::core::{Caller, lock};
use crate::testing::local::http::Reply;
use crate::testing::local::plugin::{Call, Handled};

/// The longest function code kept.
const MAX_CODE: usize = 10 * 1024 * 1024;

/// `POST /v2/functions` and `POST /v3/functions`.
pub(super) fn register(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let b = body(call.req)?;
    let name = text(&b, "function_name", call.req)?.ok_or_else(|| error(400, "function_name is required", call.req))?;
    let code = match b.get("function_code") {
        Some(Value::String(s)) if s.len() <= MAX_CODE => s.clone(),
        Some(Value::String(_)) => return Err(error(413, &format!("function_code is over {MAX_CODE} bytes"), call.req)),
        _ => return Err(error(400, "function_code is required (a string)", call.req)),
    };
    let record = FunctionRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: call.caller.identity_id.clone(),
        name,
        code,
        description: text(&b, "description", call.req)?.unwrap_or_default(),
        metadata: b.get("metadata").or_else(|| b.get("meta")).filter(|m| m.is_object()).cloned().unwrap_or_else(|| json!({})),
        public: b.get("public").and_then(Value::as_bool).unwrap_or(false),
    };
    let mut state = lock(&c.state);
    if state.functions.len() >= MAX_FUNCTIONS {
        return Err(error(429, &format!("the local Compute holds at most {MAX_FUNCTIONS} functions"), call.req));
    }
    let id = record.id.clone();
    state.functions.insert(id.clone(), record);
    Ok(Reply::ok(&json!({"function_uuid": id})))
}

/// A function the caller may see (its own, or public): 404 otherwise.
fn visible(c: &Compute, call: &Call<'_, Caller>) -> Result<FunctionRecord, Reply> {
    let id = uuid_param(call.param("function_id")?, "function", call.req)?;
    lock(&c.state)
        .functions
        .get(&id)
        .filter(|f| f.public || f.owner == call.caller.identity_id)
        .cloned()
        .ok_or_else(|| error(404, &format!("function {id} was not found"), call.req))
}

/// `GET /v2/functions/{function_id}`.
pub(super) fn get(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let f = visible(c, call)?;
    Ok(Reply::ok(&json!({
        "function_uuid": f.id,
        "function_name": f.name,
        "function_code": f.code,
        "description": f.description,
        "metadata": f.metadata,
    })))
}

/// `DELETE /v2/functions/{function_id}`: yours only.
pub(super) fn delete(c: &Compute, call: &Call<'_, Caller>) -> Handled {
    let f = visible(c, call)?;
    if f.owner != call.caller.identity_id {
        return Err(error(403, &format!("function {} belongs to another identity", f.id), call.req));
    }
    lock(&c.state).functions.remove(&f.id);
    Ok(Reply::ok(&json!({"result": 302})))
}
