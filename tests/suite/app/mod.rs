//! The application layer (`globus_sdk::app`) against the local Globus and loopback servers:
//! the local-server flow with a test playing the browser, the command-line flow fed from
//! memory, stored tokens reused by a second app, renewal stored, logout revoking, session
//! parameters, a requirements error met by a new login, client apps, scopes as values.

mod consents;
mod flows;
mod scopes;
mod secrecy;
mod user_app;

use std::sync::{Arc, Mutex};

use globus_sdk::app::{AppConfig, LocalServerLoginFlow};
use globus_sdk::testing::LocalGlobus;

/// What the test browser saw: each authorize URL, and each page the loopback listener served.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub urls: Arc<Mutex<Vec<String>>>,
    pub pages: Arc<Mutex<Vec<(u16, String)>>>,
}

impl Browser {
    /// A local-server flow whose "browser" GETs the authorize URL (following the local
    /// Globus's redirect to the loopback listener) and records the page it gets.
    pub fn flow(&self) -> LocalServerLoginFlow {
        let (urls, pages) = (self.urls.clone(), self.pages.clone());
        LocalServerLoginFlow::new().timeout(std::time::Duration::from_secs(20)).browser(move |url| {
            urls.lock().unwrap().push(url.to_string());
            let (url, pages) = (url.to_string(), pages.clone());
            tokio::spawn(async move {
                // As browsers do, a speculative connection to the redirect's host first,
                // left idle while the login goes on: it must hold up nothing.
                let back = url::Url::parse(&url).unwrap();
                let back = back.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
                let back = url::Url::parse(&back).unwrap();
                let _idle = tokio::net::TcpStream::connect((back.host_str().unwrap(), back.port().unwrap())).await;
                let answer = reqwest::get(&url).await.expect("the browser reaches the pages");
                let status = answer.status().as_u16();
                let page = answer.text().await.unwrap_or_default();
                pages.lock().unwrap().push((status, page));
            });
            Ok(())
        })
    }

    pub fn logins(&self) -> usize {
        self.urls.lock().unwrap().len()
    }

    pub fn last_query(&self, name: &str) -> Option<String> {
        let urls = self.urls.lock().unwrap();
        let url = url::Url::parse(urls.last()?).unwrap();
        url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}

/// An app config against the local Globus, tokens in `file`, logins through `browser`.
pub fn config(local: &LocalGlobus, file: &std::path::Path, browser: &Browser) -> AppConfig {
    AppConfig::new()
        .sdk_config(local.config())
        .storage(globus_sdk::app::StorageChoice::JsonFile(file.to_path_buf()))
        .login_flow(browser.flow())
        .request_refresh_tokens(true)
}
