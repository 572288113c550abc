//! The privacy service natively: "Delete prospect data" takes the call in progress too.
//! Layer: core tests (native).

use crate::ids::ContactId;
use crate::message::Request;
use crate::worker::tests::{ask, content_script, dial, popup, signed_in_world};
use serde_json::json;

#[test]
fn delete_prospect_data_takes_the_call_in_progress() {
    let world = signed_in_world();
    dial(&world);
    ask(&world, Request::ForgetContact { contact: ContactId::new("201") }, &content_script());
    assert_eq!(ask(&world, Request::Calls, &popup())["calls"], json!([]));
}
