//! Checking a flow definition before it is sent: the structural errors Flows refuses a
//! definition for (a `StartAt` naming no state, a `Next` or `Default` to a missing state, a
//! state that is neither terminal nor transitional, an unknown state type, no terminal
//! state at all), found locally so a program learns of them without a round trip.

use std::fmt;

use serde_json::{Map, Value};

/// The state types of the flow definition language.
pub const STATE_TYPES: &[&str] = &["Action", "Pass", "Choice", "Wait", "ExpressionEval", "Fail", "Succeed"];

/// The most states a definition may hold (checked here so the walk over it is bounded).
pub const MAX_STATES: usize = 1000;

/// One problem of a definition: where (`["definition", "States", "Step1"]`, as Flows' `loc`)
/// and what.
///
/// ```
/// use serde_json::json;
/// let def = json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1}}});
/// let problem = &globus_sdk::flows::check_definition(&def).unwrap_err().0[0];
/// assert_eq!(problem.loc, ["definition", "States", "A"]);
/// assert!(problem.to_string().starts_with("$.definition.States.A: A state of type 'Wait'"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionProblem {
    /// The location of the problem, from `definition` down.
    pub loc: Vec<String>,
    /// What is wrong.
    pub msg: String,
}

impl DefinitionProblem {
    fn new(loc: &[&str], msg: impl Into<String>) -> Self {
        let mut full = vec!["definition".to_string()];
        full.extend(loc.iter().map(|s| s.to_string()));
        DefinitionProblem { loc: full, msg: msg.into() }
    }
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "$.{}: {}", self.loc.join("."), self.msg)
    }
}

/// Every problem [`check_definition`] found (never empty), in the order Flows lists them.
///
/// ```
/// use serde_json::json;
/// let errors = globus_sdk::flows::check_definition(&json!({"StartAt": "A", "States": {}})).unwrap_err();
/// assert_eq!(errors.0.len(), 1);
/// assert_eq!(errors.to_string(), "1 validation error in the flow definition; $.definition.States: a flow must have at least one state");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionErrors(pub Vec<DefinitionProblem>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} validation error{} in the flow definition", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            write!(f, "; {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionErrors {}

/// Check a flow definition's structure as Flows does before it accepts it: `StartAt` names a
/// state of `States`; every state has a known `Type`; `Action`, `Pass`, `Wait` and
/// `ExpressionEval` states are either terminal (`"End": true`) or transitional (`Next` to an
/// existing state), not both; a `Choice` has a non-empty `Choices` list whose rules each have
/// a `Next` to an existing state (and its `Default`, if any, names one); `Fail` and `Succeed`
/// are terminal; a `Catch` names existing states; at least one state ends the flow. Action
/// states need an `ActionUrl`. It does not call any action provider or check `Parameters`.
///
/// ```
/// use globus_sdk::flows::check_definition;
/// use serde_json::json;
///
/// let good = json!({"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": true}}});
/// assert!(check_definition(&good).is_ok());
///
/// let bad = json!({"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Next": "Nowhere"}}});
/// let errors = check_definition(&bad).unwrap_err();
/// assert_eq!(errors.0[0].loc, ["definition", "States", "Hello", "Next"]);
/// assert!(errors.to_string().contains("Nowhere"));
/// ```
pub fn check_definition(definition: &Value) -> Result<(), DefinitionErrors> {
    let mut problems = Vec::new();
    let Some(def) = definition.as_object() else {
        return Err(DefinitionErrors(vec![DefinitionProblem::new(&[], "a flow definition must be a JSON object")]));
    };
    let states = match def.get("States") {
        Some(Value::Object(s)) if !s.is_empty() => Some(s),
        Some(Value::Object(_)) => {
            problems.push(DefinitionProblem::new(&["States"], "a flow must have at least one state"));
            None
        }
        Some(_) => {
            problems.push(DefinitionProblem::new(&["States"], "States must be an object of states by name"));
            None
        }
        None => {
            problems.push(DefinitionProblem::new(&["States"], "field required"));
            None
        }
    };
    if let Some(states) = states
        && states.len() > MAX_STATES
    {
        problems.push(DefinitionProblem::new(&["States"], format!("a flow may have at most {MAX_STATES} states")));
        return Err(DefinitionErrors(problems));
    }
    match def.get("StartAt") {
        Some(Value::String(start)) => {
            if let Some(states) = states
                && !states.contains_key(start)
            {
                problems.push(DefinitionProblem::new(
                    &["StartAt"],
                    format!("StartAt names the state {start:?}, which is not defined in States"),
                ));
            }
        }
        Some(_) => problems.push(DefinitionProblem::new(&["StartAt"], "StartAt must be a state name")),
        None => problems.push(DefinitionProblem::new(&["StartAt"], "field required")),
    }
    if let Some(states) = states {
        let mut terminal = false;
        for (name, state) in states {
            terminal |= check_state(states, name, state, &mut problems);
        }
        if !terminal {
            problems.push(DefinitionProblem::new(
                &["States"],
                "no state ends the flow: at least one state must be terminal (\"End\": true, or of type Succeed or Fail)",
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(DefinitionErrors(problems)) }
}

/// Check one state; true when it ends the flow.
fn check_state(states: &Map<String, Value>, name: &str, state: &Value, problems: &mut Vec<DefinitionProblem>) -> bool {
    let Some(state) = state.as_object() else {
        problems.push(DefinitionProblem::new(&["States", name], "a state must be an object"));
        return false;
    };
    let Some(kind) = state.get("Type").and_then(Value::as_str) else {
        problems.push(DefinitionProblem::new(&["States", name, "Type"], "a state must have a Type"));
        return false;
    };
    let target = |field: &str, problems: &mut Vec<DefinitionProblem>, loc: &[&str]| match state_ref(state, field) {
        Some(Ok(next)) if !states.contains_key(next) => {
            problems.push(DefinitionProblem::new(loc, format!("{field} names the state {next:?}, which is not defined")));
        }
        Some(Err(())) => problems.push(DefinitionProblem::new(loc, format!("{field} must be a state name"))),
        _ => {}
    };
    match kind {
        "Action" | "Pass" | "Wait" | "ExpressionEval" => {
            let end = state.get("End").and_then(Value::as_bool).unwrap_or(false);
            let next = state.contains_key("Next");
            if end == next {
                problems.push(DefinitionProblem::new(
                    &["States", name],
                    format!(
                        "A state of type '{kind}' must be defined as either terminal (\"End\": true) or transitional \
                         (\"Next\": \"NextStateId\")"
                    ),
                ));
            }
            target("Next", problems, &["States", name, "Next"]);
            if kind == "Action" && !state.get("ActionUrl").is_some_and(Value::is_string) {
                problems.push(DefinitionProblem::new(&["States", name, "ActionUrl"], "an Action state needs an ActionUrl"));
            }
            if let Some(catches) = state.get("Catch") {
                check_catches(states, name, catches, problems);
            }
            end
        }
        "Choice" => {
            match state.get("Choices").and_then(Value::as_array) {
                Some(rules) if !rules.is_empty() => {
                    for (i, rule) in rules.iter().enumerate() {
                        let index = i.to_string();
                        let loc = ["States", name, "Choices", index.as_str(), "Next"];
                        match rule.get("Next") {
                            Some(Value::String(next)) if !states.contains_key(next) => problems.push(
                                DefinitionProblem::new(&loc, format!("Next names the state {next:?}, which is not defined")),
                            ),
                            Some(Value::String(_)) => {}
                            _ => problems.push(DefinitionProblem::new(&loc, "each choice rule needs a Next state name")),
                        }
                    }
                }
                _ => problems.push(DefinitionProblem::new(
                    &["States", name, "Choices"],
                    "a Choice state needs a non-empty list of Choices",
                )),
            }
            target("Default", problems, &["States", name, "Default"]);
            false
        }
        "Fail" | "Succeed" => true,
        other => {
            problems.push(DefinitionProblem::new(
                &["States", name, "Type"],
                format!("unknown state type {other:?} (one of {})", STATE_TYPES.join(", ")),
            ));
            false
        }
    }
}

fn check_catches(states: &Map<String, Value>, name: &str, catches: &Value, problems: &mut Vec<DefinitionProblem>) {
    let Some(list) = catches.as_array() else {
        problems.push(DefinitionProblem::new(&["States", name, "Catch"], "Catch must be a list"));
        return;
    };
    for (i, c) in list.iter().enumerate() {
        let index = i.to_string();
        match c.get("Next") {
            Some(Value::String(next)) if states.contains_key(next) => {}
            _ => problems.push(DefinitionProblem::new(
                &["States", name, "Catch", index.as_str(), "Next"],
                "each Catch needs a Next naming a defined state",
            )),
        }
    }
}

/// A state reference field: absent (None), a name, or not a string.
fn state_ref<'a>(state: &'a Map<String, Value>, field: &str) -> Option<Result<&'a str, ()>> {
    state.get(field).map(|v| v.as_str().ok_or(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn locs(def: Value) -> Vec<String> {
        check_definition(&def).unwrap_err().0.iter().map(|p| p.loc.join(".")).collect()
    }

    #[test]
    fn structural_errors_are_found() {
        assert_eq!(
            locs(json!({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": true}}})),
            ["definition.StartAt"]
        );
        assert_eq!(locs(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}})), ["definition.States"]);
        assert_eq!(
            locs(json!({"StartAt": "A", "States": {"A": {"Type": "Action", "ActionUrl": "u"}, "B": {"Type": "Succeed"}}})),
            ["definition.States.A"]
        );
        assert_eq!(
            locs(json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Next": "Z"}], "Default": "Y"},
                "Z2": {"Type": "Fail"}}})),
            ["definition.States.A.Choices.0.Next", "definition.States.A.Default"]
        );
        assert_eq!(locs(json!({"StartAt": "A", "States": {"A": {"Type": "Loop"}}})).len(), 2);
        assert_eq!(locs(json!([])), ["definition"]);
        assert_eq!(locs(json!({"States": {}})), ["definition.States", "definition.StartAt"]);
    }

    #[test]
    fn good_definitions_pass() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "B"}], "Default": "C"},
            "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
            "C": {"Type": "Action", "ActionUrl": "https://actions.globus.org/transfer/ls", "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "D"}]},
            "D": {"Type": "Fail"}}});
        assert_eq!(check_definition(&def), Ok(()));
    }
}
