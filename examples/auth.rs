//! Log in as a user with a native app (PKCE), then look up identities.
//!
//! ```sh
//! GLOBUS_CLIENT_ID=<your native app's client id> cargo run --example auth -- someone@globusid.org
//! ```
//! Register a native app at <https://app.globus.org/settings/developers> to get a client id.

use std::io::Write as _;

use globus_sdk::auth::scopes as auth;
use globus_sdk::auth::{AuthorizeParams, IdentityMap, NativeAppClient};
use globus_sdk::authorizers::AccessTokenAuthorizer;

#[tokio::main(flavor = "current_thread")] // sequential calls: see BENCHMARKS.md
async fn main() -> Result<(), globus_sdk::Error> {
    let client_id = std::env::var("GLOBUS_CLIENT_ID").unwrap_or_else(|_| {
        eprintln!("set GLOBUS_CLIENT_ID to the client id of a Globus native app");
        std::process::exit(2);
    });
    let usernames: Vec<String> = std::env::args().skip(1).collect();

    let app = NativeAppClient::new(client_id)?;
    let flow = app.start_flow(&[auth::openid(), auth::profile(), auth::view_identities()]);
    println!("Log in here:\n\n  {}\n", flow.authorize_url(&AuthorizeParams::default()));
    print!("Then paste the authorization code: ");
    std::io::stdout().flush().ok();
    let mut code = String::new();
    std::io::stdin().read_line(&mut code).expect("read the code");
    let tokens = flow.exchange_code(&code).await?;

    let auth_token = tokens.for_resource_server(auth::RESOURCE_SERVER).expect("a token for Globus Auth");
    let client = globus_sdk::auth::Client::with_authorizer(AccessTokenAuthorizer::new(auth_token.access_token))?;
    let me = client.oauth2_userinfo().send().await?;
    println!("Logged in as {}", me.preferred_username.as_deref().unwrap_or("?"));

    let mut map = IdentityMap::new(&client);
    for u in &usernames {
        map.add(u);
    }
    for u in &usernames {
        match map.get(u).await? {
            Some(identity) => println!("{u}: {} ({})", identity.id, identity.status.as_deref().unwrap_or("?")),
            None => println!("{u}: unknown to Globus Auth"),
        }
    }
    Ok(())
}
