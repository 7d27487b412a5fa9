//! Announcing hub changes to live subscribers through the event bus. An
//! event names the hub, its area and the status event; subscribers filter
//! on the first two and read the rest from the database.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::writes::Written;
use crate::events::Event;

/// The topic of hub status events on the bus.
pub const TOPIC: &str = "hub.status";

/// What a hub status event says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubChanged {
    pub hub_id: String,
    pub area_code: String,
    pub event_id: String,
}

impl HubChanged {
    /// The announcement of a write.
    pub fn event(written: &Written) -> Event {
        Event::new(
            TOPIC,
            json!({
                "hubId": written.hub.id,
                "areaCode": written.hub.area_code,
                "eventId": written.event.id,
            }),
        )
    }

    /// Reads a bus event; `None` for other topics or a malformed payload.
    pub fn from_event(event: &Event) -> Option<HubChanged> {
        (event.topic == TOPIC)
            .then(|| serde_json::from_value(event.payload.clone()).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_topics_and_bad_payloads_are_ignored() {
        let other = Event::new(
            "pathway.changed",
            json!({ "hubId": "h", "areaCode": "a", "eventId": "e" }),
        );
        assert_eq!(HubChanged::from_event(&other), None);
        let bad = Event::new(TOPIC, json!({ "hubId": 3 }));
        assert_eq!(HubChanged::from_event(&bad), None);
        let good = Event::new(TOPIC, json!({ "hubId": "h", "areaCode": "a", "eventId": "e" }));
        assert_eq!(
            HubChanged::from_event(&good),
            Some(HubChanged {
                hub_id: "h".into(),
                area_code: "a".into(),
                event_id: "e".into()
            })
        );
    }
}
