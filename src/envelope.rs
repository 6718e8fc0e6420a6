//! Responses that wrap their one object in an envelope.
//!
//! Globus Connect Server answers every call with a result document:
//! `{"DATA_TYPE": "result#1.0.0", "code": "success", "data": [...], "has_next_page": false}`.
//! A listing pages over `data` ([`crate::paging`]); a create, get or update answers its one
//! object as `data[0]`. Operations a spec marks `x-globus-envelope: data` return a [`Single`]:
//! the object, with the rest of the envelope (and the HTTP status and headers) still there.
//!
//! ```ignore
//! let collection = gcs.get_collection().collection_id(id).send().await?;
//! println!("{}", collection.display_name);          // the object, through Deref
//! println!("{:?}", collection.envelope().code);     // the envelope around it
//! let owned: Collection = collection.into_inner();
//! ```

use std::ops::{Deref, DerefMut};

use http::{HeaderMap, StatusCode};

use crate::error::{Error, ErrorKind};
use crate::paging::Page;

/// One object unpacked from its envelope; derefs to the object.
#[derive(Clone, Debug)]
pub struct Single<E: Page> {
    item: E::Item,
    envelope: E,
    status: StatusCode,
    headers: HeaderMap,
}

impl<E: Page> Single<E> {
    /// Unpack a response: exactly one object must be in the envelope's items field.
    #[doc(hidden)]
    pub fn from_response(response: progenitor_client::ResponseValue<E>, service: &'static str) -> Result<Self, Error>
    where
        E: serde::Serialize,
    {
        let status = response.status();
        let headers = response.headers().clone();
        let mut envelope = response.into_inner();
        let count = envelope.item_count();
        if count != 1 {
            let why = format!(
                "the service answered {} with {count} objects in `{}` where the operation returns exactly one",
                status.as_u16(),
                E::ITEMS_FIELD
            );
            // The body as decoded (the bytes were consumed by the typed decode).
            let body = serde_json::to_vec(&envelope).map(bytes::Bytes::from).unwrap_or_default();
            return Err(Error::from_response(ErrorKind::Decode, status, headers, body, false)
                .with_summary(why)
                .or_service(service));
        }
        let item = envelope.take_items().remove(0);
        Ok(Single { item, envelope, status, headers })
    }

    /// The object.
    pub fn into_inner(self) -> E::Item {
        self.item
    }

    /// The envelope around the object (its items field is empty: the object was taken out).
    pub fn envelope(&self) -> &E {
        &self.envelope
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl<E: Page> Deref for Single<E> {
    type Target = E::Item;
    fn deref(&self) -> &E::Item {
        &self.item
    }
}

impl<E: Page> DerefMut for Single<E> {
    fn deref_mut(&mut self) -> &mut E::Item {
        &mut self.item
    }
}
