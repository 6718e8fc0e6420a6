use globus_sdk::scopes::{Scope, gcs};
use globus_sdk::transfer::scopes as transfer;

#[test]
fn scopes_print_in_a_stable_order_and_merge() {
    let a = transfer::all_with_data_access(&["c2", "c1", "c2"]);
    let b = transfer::all_with_data_access(&["c1", "c2"]);
    assert_eq!(a.to_string(), b.to_string(), "sorted and deduplicated");
    assert_eq!(
        a.to_string(),
        "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c1/data_access \
         *https://auth.globus.org/scopes/c2/data_access]"
    );

    // The same scope twice: one, with both dependencies; required wins over optional.
    let merged = Scope::merge([
        "x[*d1 e]".parse::<Scope>().unwrap(),
        "x[d1[f] g]".parse().unwrap(),
        "*y".parse().unwrap(),
        "y".parse().unwrap(),
    ]);
    assert_eq!(Scope::join(&merged), "x[d1[f] e g] y");
    assert_eq!(Scope::merge(["*z".parse::<Scope>().unwrap(), "*z".parse().unwrap()])[0].to_string(), "*z");

    // Parsing still says where a string is malformed.
    let e = "a[b c".parse::<Scope>().unwrap_err();
    assert!(e.to_string().contains("at character 5"), "{e}");

    // Dynamic builders: GCS endpoints and collections.
    assert_eq!(gcs::endpoint("e1").manage_collections().to_string(), "urn:globus:auth:scope:e1:manage_collections");
    assert_eq!(gcs::collection("c1").https().to_string(), "https://auth.globus.org/scopes/c1/https");
    assert_eq!(transfer::data_access("c1"), gcs::collection("c1").data_access());
}
